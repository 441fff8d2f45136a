export { type DurationInput, durationMs, formatDuration, parseDuration } from '../duration';

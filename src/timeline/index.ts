/**
 * Pictures of time: a trust hierarchy's validity windows, renewal points, `linkerd check`'s warning
 * window, chain gaps and an anchor rotation's steps on one axis, as plain SVG text (no DOM needed).
 *
 * @example
 * ```ts
 * import { timelineSvg } from 'l5d-pki';
 * const svg = timelineSvg({ bundle: caBundlePem, issuers: [issuerPem], now: new Date() });
 * ```
 * @module
 */
export { type TimelineOptions, timelineSvg } from './timeline';

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `../shared/` next to the project: read-only reference data (spec, fixtures, conformance suites). */
export const SHARED_DIR = fileURLToPath(new URL('../../../shared/', import.meta.url));

/** Whether `../shared/` is there; a fresh clone has none. */
export const hasShared = existsSync(SHARED_DIR);

/** Why shared-data suites are skipped, for their titles and the console. */
export const SHARED_SKIP_REASON = `skipped: ${SHARED_DIR} is absent (reference data lives outside the repository)`;

let warned = false;

/**
 * A suite title that says when it is skipped for lack of `../shared/`, so the skip is visible in the
 * report. Use with `describe.skipIf(!hasShared)(sharedSuite('...'), ...)`.
 */
export function sharedSuite(title: string): string {
  if (hasShared) return title;
  if (!warned) {
    warned = true;
    console.warn(SHARED_SKIP_REASON);
  }
  return `${title} (${SHARED_SKIP_REASON})`;
}

/** The absolute path of `rel` under `../shared/`. */
export function sharedPath(rel: string): string {
  return fileURLToPath(new URL(rel, new URL('../../../shared/', import.meta.url)));
}

/** A shared file as text. */
export function sharedText(rel: string): string {
  return readFileSync(sharedPath(rel), 'utf8');
}

/** A shared file as bytes. */
export function sharedBytes(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(sharedPath(rel)));
}

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `test/data/`: the third-party test data the suite reads (x509-limbo, go-spiffe's vectors and fixtures,
 * Linkerd's `linkerd check` fixtures), carried in the repository with its provenance and licence
 * (test/data/PROVENANCE.md). Its layout mirrors `../shared/`: `conformance/…` and `fixtures/…`.
 */
export const DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));

/** `../shared/` next to the project: optional extra reference data, for `npm run conformance` only. */
export const SHARED_DIR = fileURLToPath(new URL('../../../shared/', import.meta.url));

/** Whether `../shared/` is there; a fresh clone has none, and no test depends on it. */
export const hasShared = existsSync(SHARED_DIR);

/**
 * The absolute path of `rel` under `test/data/`. It throws (rather than letting a suite skip) when the
 * file is missing: the data is part of the repository.
 */
export function dataPath(rel: string): string {
  const path = fileURLToPath(new URL(rel, new URL('../data/', import.meta.url)));
  if (!existsSync(path))
    throw new Error(`test data ${rel} is missing from ${DATA_DIR} (see PROVENANCE.md there)`);
  return path;
}

/** A test data file as text. */
export function dataText(rel: string): string {
  return readFileSync(dataPath(rel), 'utf8');
}

/** A test data file as bytes. */
export function dataBytes(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(dataPath(rel)));
}

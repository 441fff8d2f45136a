import { LineCounter, parseAllDocuments } from 'yaml';
import { PkiError } from '../errors';
import { isRecord } from './yaml';

/**
 * Parses a YAML stream into its documents, skipping empty ones. Every document must be a mapping (a
 * Kubernetes object or a values file). Aliases are capped, so a "billion laughs" input fails fast.
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` for YAML syntax errors, duplicate keys, or a document that
 * is not a mapping; `ERR_INVALID_ARGUMENT` for a non-string.
 * @example
 * ```ts
 * fromYaml('kind: Secret\n---\nkind: ConfigMap\n').map((o) => o.kind); // ['Secret', 'ConfigMap']
 * ```
 */
export function fromYaml(text: string): Record<string, unknown>[] {
  if (typeof text !== 'string') throw new PkiError('ERR_INVALID_ARGUMENT', 'YAML input must be a string');
  const out: Record<string, unknown>[] = [];
  // The yaml library's messages can quote the source (a key, in a Secret), so only its code and the
  // position are kept, and its errors are not attached as causes.
  const lines = new LineCounter();
  parseAllDocuments(text, { lineCounter: lines, prettyErrors: false }).forEach((doc, i) => {
    const [error] = doc.errors;
    if (error !== undefined) {
      const { line, col } = lines.linePos(error.pos[0]);
      throw new PkiError(
        'ERR_MANIFEST_INVALID',
        `YAML document ${i + 1} is invalid at line ${line}, column ${col} (${error.code})`,
      );
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch {
      throw new PkiError('ERR_MANIFEST_INVALID', `YAML document ${i + 1} cannot be read`);
    }
    if (value === null || value === undefined) return;
    if (!isRecord(value))
      throw new PkiError('ERR_MANIFEST_INVALID', `YAML document ${i + 1} is not a mapping`);
    out.push(value);
  });
  return out;
}

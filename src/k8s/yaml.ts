import { stringify } from 'yaml';
import { PkiError } from '../errors';
import { requireObject } from '../validate';

/**
 * Whether `value` is a plain mapping (not null, not an array).
 *
 * @example
 * ```ts
 * isRecord({ kind: 'Secret' }); // true
 * isRecord(['Secret']); // false
 * ```
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isList(value: object | readonly object[]): value is readonly object[] {
  return Array.isArray(value);
}

/**
 * Serializes one object or several as YAML, several as a multi-document stream separated by `---`.
 * Long lines are never folded, so base64 and PEM values stay intact; multi-line strings such as PEM
 * bundles are written as literal blocks.
 *
 * @example
 * ```ts
 * const text = toYaml([issuerSecret({ issuer, bundle }), trustRootsConfigMap({ bundle })]);
 * // 'apiVersion: v1\nkind: Secret\n...\n---\napiVersion: v1\nkind: ConfigMap\n...'
 * ```
 */
export function toYaml(objects: object | readonly object[]): string {
  requireObject(objects, 'the objects to write');
  const list = isList(objects) ? objects : [objects];
  for (let i = 0; i < list.length; i++) requireObject(list[i], `the objects to write [${i}]`);
  try {
    return list.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
  } catch (e) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      'the objects hold a value YAML cannot write (such as a symbol or a function)',
      { cause: e },
    );
  }
}

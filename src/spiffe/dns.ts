const MAX_LABEL = 63;
const MAX_SUBDOMAIN = 253;
const DASH = 0x2d;

/** Whether `s[start, end)` is a DNS-1123 label. */
function isLabelAt(s: string, start: number, end: number): boolean {
  const len = end - start;
  if (len < 1 || len > MAX_LABEL || s.charCodeAt(start) === DASH || s.charCodeAt(end - 1) === DASH) {
    return false;
  }
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === DASH)) return false;
  }
  return true;
}

/**
 * Whether `s` is a DNS-1123 label (Kubernetes namespace and service account rule): 1–63 characters of
 * `[a-z0-9-]`, starting and ending with a letter or digit.
 *
 * @example
 * ```ts
 * isDns1123Label('emojivoto'); // true
 * isDns1123Label('-web'); // false
 * isDns1123Label('Web'); // false
 * isDns1123Label('a'.repeat(64)); // false
 * ```
 */
export function isDns1123Label(s: unknown): boolean {
  return typeof s === 'string' && isLabelAt(s, 0, s.length);
}

/**
 * Whether `s` is a DNS-1123 subdomain: at most 253 characters of DNS-1123 labels joined by dots.
 *
 * @example
 * ```ts
 * isDns1123Subdomain('cluster.local'); // true
 * isDns1123Subdomain('cluster..local'); // false
 * isDns1123Subdomain('cluster.local.'); // false
 * ```
 */
export function isDns1123Subdomain(s: unknown): boolean {
  if (typeof s !== 'string' || s.length > MAX_SUBDOMAIN) return false;
  let start = 0;
  for (let dot = s.indexOf('.'); dot >= 0; dot = s.indexOf('.', start)) {
    if (!isLabelAt(s, start, dot)) return false;
    start = dot + 1;
  }
  return isLabelAt(s, start, s.length);
}

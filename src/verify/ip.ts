/**
 * IP address literals: parsing the text a caller names, formatting SAN bytes for messages, and matching
 * addresses against name-constraint subnets.
 */

const IPV4_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * The 4 bytes of a dotted-decimal IPv4 address (no leading zeros, no shorthand forms), or `undefined`.
 */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!IPV4_OCTET.test(part) || Number(part) > 255) return undefined;
    out[i] = Number(part);
  }
  return out;
}

/**
 * The 16 bytes of an IPv6 address in RFC 4291 text form (`::` compression, an optional dotted IPv4 tail,
 * either case; no zone index), or `undefined`.
 */
export function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = groupsOf(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1]!, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** 16-bit groups of one side of `::`; a dotted IPv4 address may end the last side. */
function groupsOf(side: string, last: boolean): number[] | undefined {
  if (side === '') return [];
  const parts = side.split(':');
  const groups: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (last && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (!v4) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (IPV6_GROUP.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

/** IPv4 or IPv6 address bytes from text, or `undefined` when `text` is neither. */
export function parseIpAddress(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

/** The RFC 5952 text of 4 or 16 address bytes, e.g. `10.0.0.1` or `2001:db8::1`. */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  const [start, length] = longestZeroRun(groups);
  if (length < 2) return groups.join(':');
  return `${groups.slice(0, start).join(':')}::${groups.slice(start + length).join(':')}`;
}

/** Start and length of the first longest run of `0` groups. */
function longestZeroRun(groups: readonly string[]): [number, number] {
  let best: [number, number] = [0, 0];
  let start = -1;
  for (let i = 0; i <= groups.length; i++) {
    if (i < groups.length && groups[i] === '0') {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start > best[1]) best = [start, i - start];
      start = -1;
    }
  }
  return best;
}

/** A name-constraint subnet (address then mask: 8 or 32 bytes) as `address/mask` text. */
export function formatSubnet(subnet: Uint8Array): string {
  const half = subnet.length / 2;
  return `${formatIpAddress(subnet.subarray(0, half))}/${formatIpAddress(subnet.subarray(half))}`;
}

/** Whether a name-constraint `subnet` (address then mask: 8 or 32 bytes) has a contiguous prefix mask. */
export function isValidSubnet(subnet: Uint8Array): boolean {
  const mask = subnet.subarray(subnet.length / 2);
  let ones = true;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const set = (byte >> bit) & 1;
      if (set && !ones) return false;
      if (!set) ones = false;
    }
  }
  return true;
}

/** Whether `address` (4 or 16 bytes) lies in `subnet` (address then mask, of the same family). */
export function inSubnet(address: Uint8Array, subnet: Uint8Array): boolean {
  if (subnet.length !== 2 * address.length) return false;
  for (let i = 0; i < address.length; i++) {
    const mask = subnet[address.length + i]!;
    if ((address[i]! & mask) !== (subnet[i]! & mask)) return false;
  }
  return true;
}

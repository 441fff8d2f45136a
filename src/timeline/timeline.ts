import { sha256 } from '@noble/hashes/sha2.js';
import { DEFAULT_CLOCK_SKEW_MS } from '../anchor/anchor';
import { sameBytes, toHex } from '../der';
import { type DurationInput, durationMs } from '../duration';
import { PkiError } from '../errors';
import { DEFAULT_LEAF_LIFETIME_MS } from '../leaf/leaf';
import type { AnchorRotationPlan } from '../rotate/anchor';
import { certManagerRenewalTime } from '../schedule/cert-manager';
import type { IssuerRenewal } from '../schedule/plan';
import { proxyRefreshDelay } from '../schedule/proxy';
import { DAY_MS, HOUR_MS, timeOf } from '../schedule/time';
import { EXPIRY_WARNING_WINDOW_MS } from '../schedule/window';
import { optionalArray, optionalDate, optionalString, requireObject, requireOptions } from '../validate';
import {
  type CertificateInput,
  createTrustStore,
  type TrustBundleInput,
  toCertificate,
} from '../verify/store';
import type { Certificate } from '../x509/types';

/** `linkerd check` warns about anchors and issuers valid for less than this. */
const CHECK_WARNING_MS = 60 * DAY_MS;
/** A manually rotated issuer is due this long before it expires (as `planHierarchy` says). */
/** A hand-rotated issuer is rotated before `linkerd check` starts warning about it. */
const ROTATION_LEAD_MS = EXPIRY_WARNING_WINDOW_MS;

/**
 * What {@link timelineSvg} draws.
 *
 * @example
 * ```ts
 * const options: TimelineOptions = { bundle: caBundlePem, issuers: [issuerPem], leaves: [leafPem], now: new Date() };
 * ```
 */
export interface TimelineOptions {
  /** The trust anchors (`ca-bundle.crt`, a list of certificates, or a `TrustStore`). */
  readonly bundle?: TrustBundleInput;
  /** Issuer certificates (each one certificate; a PEM chain's first certificate). */
  readonly issuers?: readonly CertificateInput[];
  /** Workload leaves, if any. */
  readonly leaves?: readonly CertificateInput[];
  /** The time drawn as "now"; proxy refreshes are computed from it. Never read from the clock. */
  readonly now: Date;
  /**
   * How cert-manager renews the issuers (durations in milliseconds): given, each issuer shows its
   * cert-manager renewal time; absent, the issuer is rotated by hand and shows "rotate by" (60 days before
   * it expires), as `planHierarchy` plans it.
   */
  readonly issuerRenewal?: IssuerRenewal;
  /** Leaf lifetime, for the rotation plan's last leaf of the old issuer. Default 24 h. */
  readonly leafLifetime?: DurationInput;
  /**
   * An anchor rotation to draw: its steps as vertical lines, its old anchors leaving the bundle at the last
   * step and its new anchor entering at the first. Its anchors are drawn when `bundle` is absent.
   */
  readonly rotation?: AnchorRotationPlan;
  /** Start of the time axis. Default: the earliest notBefore (around the rotation's steps with `rotation`). */
  readonly from?: Date;
  /** End of the time axis. Default: the latest notAfter (around the rotation's steps with `rotation`). */
  readonly until?: Date;
  /** A heading drawn above the axis. */
  readonly title?: string;
}

type Role = 'anchor' | 'issuer' | 'leaf';
type MarkerKind = 'refresh' | 'renewal' | 'rotate-by';

interface Row {
  readonly role: Role;
  readonly label: string;
  readonly start: number;
  readonly end: number;
  readonly subject: Uint8Array | undefined;
  readonly issuer: Uint8Array | undefined;
  readonly ski: Uint8Array | undefined;
  readonly aki: Uint8Array | undefined;
  /** When a rotation adds the anchor to the bundle / removes it. */
  addedAt?: number;
  removedAt?: number;
  /** Fixed parents (the rotation's synthetic leaf). */
  parents?: Row[];
  readonly markers: { at: number; kind: MarkerKind }[];
  readonly notes: string[];
  /** [from, to] stretches in which this certificate's chain cannot verify. */
  readonly cuts: [number, number][];
}

/** Until when a row's chain can verify, and which row (itself or an ancestor) ends it. */
interface Limit {
  readonly at: number;
  readonly by: Row;
  readonly removed: boolean;
}

const ROLE_WORD: Record<Role, string> = { anchor: 'anchor', issuer: 'issuer', leaf: 'leaf' };

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function minute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** A date precise enough for the axis' scale. */
function when(ms: number, fine: boolean): string {
  return fine ? minute(ms) : day(ms);
}

function certRow(role: Role, cert: Certificate): Row {
  const fp = toHex(sha256(cert.der)).slice(0, 12);
  const cn = cert.subject.commonName ?? `(no CN, serial ${cert.serialHex.slice(0, 12)})`;
  return {
    role,
    label: `${ROLE_WORD[role]} ${cn} · sha256:${fp}`,
    start: cert.notBefore.getTime(),
    end: cert.notAfter.getTime(),
    subject: cert.subject.der,
    issuer: cert.issuer.der,
    ski: cert.subjectKeyId,
    aki: cert.authorityKeyId,
    markers: [],
    notes: [],
    cuts: [],
  };
}

/** Certificates among `cas` that could have signed `row`: by name and, when both are given, key id. */
function parentsOf(row: Row, cas: readonly Row[]): Row[] {
  if (row.parents) return row.parents;
  if (row.role === 'anchor' || row.issuer === undefined) return [];
  return cas.filter(
    (ca) =>
      ca !== row &&
      ca.subject !== undefined &&
      sameBytes(ca.subject, row.issuer!) &&
      (ca.ski === undefined || row.aki === undefined || sameBytes(ca.ski, row.aki)),
  );
}

class Chains {
  readonly #limits = new Map<Row, Limit | undefined>();
  readonly #starts = new Map<Row, number | undefined>();
  constructor(readonly cas: readonly Row[]) {}

  /** The latest time any chain of `row` verifies until (undefined: it chains to no anchor drawn). */
  limit(row: Row): Limit | undefined {
    if (this.#limits.has(row)) return this.#limits.get(row);
    this.#limits.set(row, undefined); // a loop of certificates naming each other ends nowhere
    let result: Limit | undefined;
    if (row.role === 'anchor') {
      const removed = row.removedAt !== undefined && row.removedAt < row.end;
      result = { at: removed ? row.removedAt! : row.end, by: row, removed };
    } else {
      for (const parent of parentsOf(row, this.cas)) {
        const l = this.limit(parent);
        if (l !== undefined && (result === undefined || l.at > result.at)) result = l;
      }
      if (result !== undefined && result.at >= row.end) result = { at: row.end, by: row, removed: false };
    }
    this.#limits.set(row, result);
    return result;
  }

  /** The earliest time a chain of `row` verifies from. */
  start(row: Row): number | undefined {
    if (this.#starts.has(row)) return this.#starts.get(row);
    this.#starts.set(row, undefined);
    let result: number | undefined;
    if (row.role === 'anchor') result = row.start;
    else
      for (const parent of parentsOf(row, this.cas)) {
        const s = this.start(parent);
        if (s !== undefined && (result === undefined || s < result)) result = Math.max(s, row.start);
      }
    this.#starts.set(row, result);
    return result;
  }
}

// ---- layout -------------------------------------------------------------------------------------

const WIDTH = 960;
const LEFT = 16;
const RIGHT = WIDTH - 16;
const FONT = 12;
/** Advance of one character of the monospace labels, a little over DejaVu Sans Mono's 0.602 em. */
const CHAR = FONT * 0.62;
const FONT_FAMILY = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";
const INK = '#1f2328';
const MUTED = '#57606a';
const PROBLEM_INK = '#a40e26';

/** Notes that describe a rotation rather than a problem. */
const INFO = /^(enters|leaves|retired) /;

/** A white outline under text that crosses lines and bars. */
const HALO = ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"';

const textWidth = (s: string) => s.length * CHAR;

/** Text for XML: escaped, with characters XML cannot carry replaced. */
function esc(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Cuts `s` to fit `width` pixels. */
function clip(s: string, width: number): string {
  const max = Math.max(1, Math.floor(width / CHAR));
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

const num = (n: number) => String(Math.round(n * 10) / 10);

const MONTH = 30 * DAY_MS;
const STEPS: readonly { readonly ms: number; readonly months?: number }[] = [
  { ms: HOUR_MS },
  { ms: 3 * HOUR_MS },
  { ms: 6 * HOUR_MS },
  { ms: 12 * HOUR_MS },
  { ms: DAY_MS },
  { ms: 2 * DAY_MS },
  { ms: 7 * DAY_MS },
  { ms: 14 * DAY_MS },
  { ms: MONTH, months: 1 },
  { ms: 3 * MONTH, months: 3 },
  { ms: 6 * MONTH, months: 6 },
  { ms: 12 * MONTH, months: 12 },
  { ms: 24 * MONTH, months: 24 },
  { ms: 60 * MONTH, months: 60 },
  { ms: 120 * MONTH, months: 120 },
  { ms: 600 * MONTH, months: 600 },
];

/** Axis ticks on round UTC times, at most about 8 over the window. */
function ticks(from: number, until: number): { list: number[]; fine: boolean } {
  const span = until - from;
  const step = STEPS.find((s) => span / s.ms <= 8) ?? STEPS[STEPS.length - 1]!;
  const list: number[] = [];
  if (step.months === undefined) {
    for (let t = Math.ceil(from / step.ms) * step.ms; t <= until && list.length < 20; t += step.ms)
      list.push(t);
  } else {
    const d = new Date(from);
    let m = d.getUTCFullYear() * 12 + d.getUTCMonth();
    m = Math.ceil(m / step.months) * step.months;
    for (; list.length < 20; m += step.months) {
      const t = Date.UTC(Math.floor(m / 12), m % 12, 1);
      if (t > until) break;
      if (t >= from) list.push(t);
    }
  }
  return { list, fine: step.ms < DAY_MS };
}

/** Places labels centred on x in the first lane where they overlap nothing; returns lane numbers. */
function lanes(items: readonly { x: number; width: number }[]): number[] {
  const ends: number[] = [];
  return items.map(({ x, width }) => {
    const left = Math.min(Math.max(x - width / 2, LEFT), RIGHT - width);
    let lane = ends.findIndex((end) => left > end + 8);
    if (lane === -1) lane = ends.push(0) - 1;
    ends[lane] = left + width;
    return lane;
  });
}

const DEFS = [
  '<defs>',
  '<pattern id="l5d-tl-issuer" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">',
  '<rect width="6" height="6" fill="#5b8fd1"/><line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2"/></pattern>',
  '<pattern id="l5d-tl-leaf" width="5" height="5" patternUnits="userSpaceOnUse">',
  '<rect width="5" height="5" fill="#bcd8f2"/><circle cx="2.5" cy="2.5" r="1" fill="#1d4e89"/></pattern>',
  '<pattern id="l5d-tl-warn" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">',
  '<rect width="6" height="6" fill="#f2c14e"/><line x1="0" y1="0" x2="0" y2="6" stroke="#6b4a00" stroke-width="2"/></pattern>',
  '<pattern id="l5d-tl-cut" width="6" height="6" patternUnits="userSpaceOnUse">',
  '<rect width="6" height="6" fill="#fbe3e6"/><path d="M0 0L6 6M6 0L0 6" stroke="#a40e26" stroke-width="1.2"/></pattern>',
  '</defs>',
].join('');

const FILL: Record<Role, string> = {
  anchor: '#1d4e89',
  issuer: 'url(#l5d-tl-issuer)',
  leaf: 'url(#l5d-tl-leaf)',
};

function markerShape(kind: MarkerKind, x: number, y: number): string {
  const s = 'fill="#111111" stroke="#ffffff" stroke-width="1.5"';
  const cx = num(x);
  if (kind === 'refresh') return `<path d="M${cx} ${num(y - 6)}l6 11h-12z" ${s}/>`;
  if (kind === 'renewal') return `<path d="M${cx} ${num(y - 7)}l6 7l-6 7l-6 -7z" ${s}/>`;
  return `<rect x="${num(x - 5)}" y="${num(y - 5)}" width="10" height="10" ${s}/>`;
}

const MARKER_TEXT: Record<MarkerKind, string> = {
  refresh: 'proxy refreshes (70% of the time left)',
  renewal: 'cert-manager renews',
  'rotate-by': 'rotate by (60 days before expiry)',
};

// ---- the drawing ------------------------------------------------------------------------------------

function readInputs(options: TimelineOptions) {
  requireOptions(options, 'timelineSvg');
  const now = timeOf(options.now, 'now');
  const from = optionalDate(options.from, '`from`');
  const until = optionalDate(options.until, '`until`');
  const title = optionalString(options.title, '`title`');
  const leafLifetime = durationMs(
    options.leafLifetime ?? DEFAULT_LEAF_LIFETIME_MS,
    'leafLifetime',
    'ERR_INVALID_ARGUMENT',
    1,
  );
  if (options.issuerRenewal !== undefined) requireObject(options.issuerRenewal, '`issuerRenewal`');
  const issuers = optionalArray(options.issuers, '`issuers`', (c) => c as CertificateInput) ?? [];
  const leaves = optionalArray(options.leaves, '`leaves`', (c) => c as CertificateInput) ?? [];
  const rotation = options.rotation;
  if (rotation !== undefined) {
    requireObject(rotation, '`rotation`');
    if (!Array.isArray(rotation.steps) || rotation.steps.length !== 3)
      throw new PkiError('ERR_INVALID_ARGUMENT', '`rotation` must be a plan from planAnchorRotation');
    for (const step of rotation.steps) timeOf(step.notBefore, '`rotation` step notBefore');
  }
  return { now, from, until, title, leafLifetime, issuers, leaves, rotation };
}

/**
 * Draws a trust hierarchy's validity windows on one time axis, as plain SVG text: each anchor, issuer and
 * leaf as a bar labelled with its role, CN and a short SHA-256 fingerprint; "now"; the proxy's next
 * refresh of each leaf; each issuer's cert-manager renewal (with `issuerRenewal`) or manual rotation date;
 * the last 60 days of each anchor and issuer, when `linkerd check` warns; and, cross-hatched with a note,
 * every stretch in which a certificate is valid but its chain is not: an issuer or leaf outliving its
 * anchor or issuer, one valid before them, one that chains to no anchor drawn, or one still valid after a
 * rotation removes its anchor from the bundle. With `rotation`, the plan's three steps are drawn on the
 * same axis with the last leaf the old issuer signs.
 *
 * Which certificate signed which is read from names and key identifiers; signatures are not checked
 * (use `verifyChain` for that). Colours come with patterns, shapes and words, so the picture reads in
 * grey; every bar has its own line of text, so labels never overlap. The output has no script, no
 * external reference and no random id: the same options give the same bytes.
 *
 * @throws {@link PkiError} the parsers' codes for unreadable certificates or bundles; `ERR_INVALID_ARGUMENT`
 * for bad options, nothing to draw, or `from` not before `until`.
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * const svg = timelineSvg({
 *   bundle: writeBundle([anchor.certificate]),
 *   issuers: [issuer.certificate],
 *   leaves: [leaf.certificate],
 *   now: new Date(),
 * });
 * writeFileSync('timeline.svg', svg);
 * ```
 */
export function timelineSvg(options: TimelineOptions): string {
  const input = readInputs(options);
  const { now, rotation } = input;
  const anchorCerts = options.bundle !== undefined ? [...createTrustStore(options.bundle).anchors] : [];
  if (rotation)
    for (const c of [...rotation.oldAnchors, rotation.newAnchor])
      if (!anchorCerts.some((a) => sameBytes(a.der, c.der))) anchorCerts.push(c);
  const anchors = anchorCerts.map((c) => certRow('anchor', c));
  const issuers = input.issuers.map((c) => certRow('issuer', toCertificate(c)));
  const leaves = input.leaves.map((c) => certRow('leaf', toCertificate(c)));
  const rows: Row[] = [...anchors, ...issuers, ...leaves];

  let steps: { at: number; text: string }[] = [];
  if (rotation) {
    const at = rotation.steps.map((s) => s.notBefore.getTime());
    steps = rotation.steps.map((s, i) => ({ at: at[i]!, text: `${i + 1} ${s.id.replace(/-/g, ' ')}` }));
    for (const a of anchors) {
      const cert = anchorCerts[anchors.indexOf(a)]!;
      if (sameBytes(cert.der, rotation.newAnchor.der)) a.addedAt = at[0]!;
      else if (rotation.oldAnchors.some((o) => sameBytes(o.der, cert.der))) a.removedAt = at[2]!;
    }
    if (leaves.length === 0) {
      const oldAnchors = anchors.filter((a) => a.removedAt !== undefined);
      rows.push({
        role: 'leaf',
        label: 'leaf the last one the old issuer signs (at step 2)',
        start: at[1]!,
        end: at[1]! + input.leafLifetime + DEFAULT_CLOCK_SKEW_MS,
        subject: undefined,
        issuer: undefined,
        ski: undefined,
        aki: undefined,
        parents: oldAnchors,
        markers: [],
        notes: [],
        cuts: [],
      });
    }
  }
  if (rows.length === 0) throw new PkiError('ERR_INVALID_ARGUMENT', 'timelineSvg: nothing to draw');

  // The window: given, around the rotation's steps, or around everything.
  let from: number;
  let until: number;
  if (steps.length > 0) {
    const first = Math.min(steps[0]!.at, now);
    const last = Math.max(steps[2]!.at, ...rows.filter((r) => r.parents).map((r) => r.end));
    const pad = Math.max(last - first, HOUR_MS) * 0.25;
    [from, until] = [first - pad, last + pad];
  } else {
    const lo = Math.min(now, ...rows.map((r) => r.start));
    const hi = Math.max(now, ...rows.map((r) => r.end));
    const pad = Math.max(hi - lo, HOUR_MS) * 0.03;
    [from, until] = [lo - pad, hi + pad];
  }
  if (input.from) from = input.from.getTime();
  if (input.until) until = input.until.getTime();
  if (!(from < until))
    throw new PkiError('ERR_INVALID_ARGUMENT', 'timelineSvg: `from` must be before `until`');
  const axis = ticks(from, until);
  const fine = axis.fine;

  // What each bar says beyond its validity.
  const chains = new Chains([...anchors, ...issuers]);
  for (const row of rows) {
    if (row.role === 'leaf' && row.start <= now && now < row.end) {
      row.markers.push({
        at: now + proxyRefreshDelay({ notAfter: new Date(row.end), now: new Date(now) }),
        kind: 'refresh',
      });
    }
    if (row.role === 'issuer') {
      const renewal = options.issuerRenewal;
      if (renewal !== undefined) {
        const at = certManagerRenewalTime({
          notBefore: new Date(row.start),
          notAfter: new Date(row.end),
          ...renewal,
        });
        row.markers.push({ at: at.getTime(), kind: 'renewal' });
      } else if (row.end - ROTATION_LEAD_MS > row.start) {
        row.markers.push({ at: row.end - ROTATION_LEAD_MS, kind: 'rotate-by' });
      }
    }
    if (row.role === 'anchor') {
      if (row.addedAt !== undefined && row.addedAt > row.start) {
        row.notes.push(`enters the bundle at step 1, ${when(row.addedAt, fine)}`);
      }
      if (row.removedAt !== undefined && row.removedAt < row.end) {
        row.notes.push(`leaves the bundle at step 3, ${when(row.removedAt, fine)}`);
      }
      continue;
    }
    const limit = chains.limit(row);
    const start = chains.start(row);
    if (limit === undefined || start === undefined) {
      row.cuts.push([row.start, row.end]);
      row.notes.push(
        row.role === 'issuer' ? 'no anchor drawn signed it: it cannot verify' : 'chains to no anchor drawn',
      );
      continue;
    }
    if (start > row.start) {
      row.cuts.push([row.start, start]);
      row.notes.push(`cannot verify before ${when(start, fine)}: its chain is not valid yet`);
    }
    if (limit.by !== row) {
      row.cuts.push([limit.at, row.end]);
      const who = limit.by.label.split(' · ')[0]!;
      if (limit.removed && row.role === 'issuer') {
        // An old issuer is retired at step 2; it only has to verify until then.
        row.notes.push(`retired at step 2: its chain ends when ${who} leaves the bundle`);
        continue;
      }
      row.notes.push(
        limit.removed
          ? `still valid after ${who} leaves the bundle (${when(limit.at, fine)}): stops verifying`
          : `outlives ${who} (expires ${when(limit.at, fine)}): stops verifying then`,
      );
    }
  }

  // ---- render ----
  const x = (t: number) => LEFT + ((t - from) / (until - from)) * (RIGHT - LEFT);
  const clampX = (t: number) => Math.min(Math.max(x(t), LEFT), RIGHT);
  const out: string[] = [];
  let y = 8;
  if (input.title !== undefined) {
    y += 16;
    out.push(
      `<text x="${LEFT}" y="${y}" font-size="15" font-weight="bold" fill="${INK}">${esc(clip(input.title, RIGHT - LEFT))}</text>`,
    );
    y += 8;
  }
  // Axis labels.
  y += 14;
  const axisY = y + 6;
  let labelsEnd = Number.NEGATIVE_INFINITY;
  for (const t of axis.list) {
    const label = when(t, fine);
    const w = textWidth(label);
    const lx = Math.min(Math.max(x(t) - w / 2, LEFT), RIGHT - w);
    if (lx < labelsEnd + 10) continue; // pushed against an edge into its neighbour: the tick stays bare
    labelsEnd = lx + w;
    out.push(`<text x="${num(lx)}" y="${y}" fill="${INK}">${esc(label)}</text>`);
  }
  // Vertical markers (now and the rotation's steps), their labels in lanes.
  const verticals = [
    { at: now, text: `now ${when(now, true)}`, kind: 'now' as const },
    ...steps.map((s) => ({ at: s.at, text: `step ${s.text}`, kind: 'step' as const })),
  ].filter((v) => v.at >= from && v.at <= until);
  const laneOf = lanes(verticals.map((v) => ({ x: x(v.at), width: textWidth(v.text) })));
  const laneCount = Math.max(0, ...laneOf.map((l) => l + 1));
  const lanesTop = axisY + 6;
  const rowsTop = lanesTop + laneCount * 16 + 6;

  // Rows.
  const rowOut: string[] = [];
  let ry = rowsTop;
  for (const row of rows) {
    const labelY = ry + 12;
    const barY = ry + 17;
    const barH = 14;
    const x0 = clampX(row.start);
    const x1 = Math.max(clampX(row.end), x0 + 6);
    const range = `${when(row.start, fine)} → ${when(row.end, fine)}`;
    const label = clip(`${row.label} · ${range}`, RIGHT - LEFT);
    const lx = Math.min(Math.max(x0, LEFT), RIGHT - textWidth(label));
    rowOut.push(`<text x="${num(lx)}" y="${labelY}" fill="${INK}"${HALO}>${esc(label)}</text>`);
    const visible = row.end >= from && row.start <= until;
    if (visible) {
      rowOut.push(
        `<rect x="${num(x0)}" y="${barY}" width="${num(x1 - x0)}" height="${barH}" fill="${FILL[row.role]}" stroke="${INK}" stroke-width="0.6"><title>${esc(`${row.label} · ${range}`)}</title></rect>`,
      );
      const overlay = (a: number, b: number, fill: string, extra = '') => {
        const [ax, bx] = [clampX(Math.max(a, row.start)), clampX(Math.min(b, row.end))];
        if (b < from || a > until || bx <= ax) return;
        rowOut.push(
          `<rect x="${num(ax)}" y="${barY}" width="${num(Math.max(bx - ax, 2))}" height="${barH}" fill="${fill}"${extra}/>`,
        );
      };
      if (row.role !== 'leaf') overlay(row.end - CHECK_WARNING_MS, row.end, 'url(#l5d-tl-warn)');
      const dim = ' fill-opacity="0.72" stroke="#57606a" stroke-dasharray="3 2"';
      if (row.addedAt !== undefined) overlay(row.start, row.addedAt, '#ffffff', dim);
      if (row.removedAt !== undefined) overlay(row.removedAt, row.end, '#ffffff', dim);
      for (const [a, b] of row.cuts)
        overlay(a, b, 'url(#l5d-tl-cut)', ` stroke="${PROBLEM_INK}" stroke-width="1"`);
      if (row.start < from) rowOut.push(`<path d="M${LEFT + 6} ${barY}l-6 7l6 7z" fill="${INK}"/>`);
      if (row.end > until) rowOut.push(`<path d="M${RIGHT - 6} ${barY}l6 7l-6 7z" fill="${INK}"/>`);
      for (const m of row.markers) {
        if (m.at >= from && m.at <= until) rowOut.push(markerShape(m.kind, x(m.at), barY + barH / 2));
      }
    }
    ry = barY + barH;
    for (const note of row.notes) {
      ry += 15;
      const problem = !INFO.test(note);
      const text = clip(problem ? `⚠ ${note}` : note, RIGHT - LEFT);
      const nx = Math.min(Math.max(x0, LEFT), RIGHT - textWidth(text));
      rowOut.push(
        `<text x="${num(nx)}" y="${ry}" fill="${problem ? PROBLEM_INK : MUTED}"${problem ? ' font-weight="bold"' : ''}${HALO}>${esc(text)}</text>`,
      );
    }
    ry += 10;
  }
  const rowsBottom = ry;

  // Grid, axis and vertical lines (drawn under the rows).
  const grid: string[] = [];
  grid.push(
    `<line x1="${LEFT}" y1="${axisY}" x2="${RIGHT}" y2="${axisY}" stroke="${INK}" stroke-width="1"/>`,
  );
  for (const t of axis.list) {
    const tx = num(x(t));
    grid.push(
      `<line x1="${tx}" y1="${axisY - 4}" x2="${tx}" y2="${rowsBottom}" stroke="#d0d7de" stroke-width="1"/>`,
    );
  }
  verticals.forEach((v, i) => {
    const vx = x(v.at);
    const ly = lanesTop + laneOf[i]! * 16 + 12;
    const w = textWidth(v.text);
    const lx = Math.min(Math.max(vx - w / 2, LEFT), RIGHT - w);
    const dash = v.kind === 'now' ? '' : ' stroke-dasharray="6 3"';
    grid.push(
      `<line x1="${num(vx)}" y1="${ly + 3}" x2="${num(vx)}" y2="${rowsBottom}" stroke="${v.kind === 'now' ? '#111111' : '#6639ba'}" stroke-width="${v.kind === 'now' ? 2 : 1.5}"${dash}/>`,
      `<text x="${num(lx)}" y="${ly}" fill="${v.kind === 'now' ? INK : '#6639ba'}" font-weight="bold"${HALO}>${esc(v.text)}</text>`,
    );
  });

  // Legend: only what is drawn.
  const used = (pred: (r: Row) => boolean) => rows.some(pred);
  const items: { swatch: string; text: string }[] = [];
  const box = (fill: string, stroke = INK, extra = '') =>
    `<rect x="0" y="-10" width="22" height="12" fill="${fill}" stroke="${stroke}" stroke-width="0.8"${extra}/>`;
  for (const role of ['anchor', 'issuer', 'leaf'] as const) {
    if (used((r) => r.role === role)) items.push({ swatch: box(FILL[role]), text: `${role} validity` });
  }
  const shown = (a: number, b: number) => b >= from && a <= until;
  if (used((r) => r.role !== 'leaf' && shown(r.end - CHECK_WARNING_MS, r.end)))
    items.push({ swatch: box('url(#l5d-tl-warn)'), text: 'last 60 days: linkerd check warns' });
  if (used((r) => r.cuts.length > 0))
    items.push({ swatch: box('url(#l5d-tl-cut)', PROBLEM_INK), text: 'valid, but its chain is not' });
  if (used((r) => r.addedAt !== undefined || r.removedAt !== undefined))
    items.push({ swatch: box('#eef1f4', MUTED, ' stroke-dasharray="3 2"'), text: 'not in the trust bundle' });
  for (const kind of ['refresh', 'renewal', 'rotate-by'] as const) {
    if (used((r) => r.markers.some((m) => m.kind === kind && shown(m.at, m.at))))
      items.push({ swatch: markerShape(kind, 11, -4), text: MARKER_TEXT[kind] });
  }
  items.push({
    swatch: '<line x1="11" y1="-12" x2="11" y2="3" stroke="#111111" stroke-width="2"/>',
    text: 'now',
  });
  if (steps.length > 0)
    items.push({
      swatch:
        '<line x1="11" y1="-12" x2="11" y2="3" stroke="#6639ba" stroke-width="1.5" stroke-dasharray="6 3"/>',
      text: 'rotation step',
    });
  const legend: string[] = [];
  let lx = LEFT;
  let ly = rowsBottom + 24;
  for (const item of items) {
    const w = 30 + textWidth(item.text) + 18;
    if (lx + w > RIGHT && lx > LEFT) {
      lx = LEFT;
      ly += 20;
    }
    legend.push(
      `<g transform="translate(${num(lx)} ${ly})">${item.swatch}</g>`,
      `<text x="${num(lx + 30)}" y="${ly}" fill="${INK}">${esc(item.text)}</text>`,
    );
    lx += w;
  }
  ly += 20;
  legend.push(
    `<text x="${LEFT}" y="${ly}" fill="${MUTED}">${esc('Times in UTC. Who signed whom is read from names and key ids, not from signatures.')}</text>`,
  );
  const height = ly + 12;

  const problems = rows.flatMap((r) => r.notes.filter((n) => !INFO.test(n)));
  const desc = `${rows.length} certificate${rows.length === 1 ? '' : 's'} from ${day(from)} to ${day(until)}; ${
    problems.length === 0 ? 'no chain problems' : `problems: ${problems.join('; ')}`
  }.`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="l5d-tl-title l5d-tl-desc" font-family="${esc(FONT_FAMILY)}" font-size="${FONT}">`,
    `<title id="l5d-tl-title">${esc(input.title ?? 'Certificate validity timeline')}</title>`,
    `<desc id="l5d-tl-desc">${esc(desc)}</desc>`,
    `<!--from ${from}-->`,
    `<!--until ${until}-->`,
    DEFS,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...grid,
    ...out,
    ...rowOut,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}

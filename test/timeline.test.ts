import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timelineExample } from '../scripts/timeline-example';
import type { Io } from '../src/cli/io';
import { run } from '../src/cli/run';
import {
  type CertificateAuthority,
  certManagerRenewalTime,
  createCsr,
  createIssuer,
  createTrustAnchor,
  generateKeyPair,
  type Issuer,
  isPkiError,
  issueLeaf,
  planAnchorRotation,
  proxyRefreshDelay,
  timelineSvg,
  writeBundle,
} from '../src/index';
import { EXPIRY_WARNING_WINDOW_MS } from '../src/schedule/window';
import type { Certificate } from '../src/x509/types';

const ROOT = resolve(import.meta.dirname, '..');
const NOW = new Date('2026-04-20T00:00:00Z');
const at = (iso: string) => new Date(iso);
const fp = (c: Certificate) => createHash('sha256').update(c.der).digest('hex').slice(0, 12);

/** The texts of an SVG with their positions, as drawn (entities decoded). */
function texts(svg: string): { x: number; y: number; text: string }[] {
  return [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    text: m[3]!
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&'),
  }));
}

/** The x of the centre of the marker shapes (`d="M<x> <y>…"` paths and squares) with the given start. */
function markerXs(svg: string, kind: 'triangle' | 'diamond' | 'square'): number[] {
  if (kind === 'square')
    return [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="10" height="10"/g)].map(
      (m) => Number(m[1]) + 5,
    );
  const re =
    kind === 'triangle'
      ? /<path d="M([\d.]+) [\d.]+l6 11h-12z"/g
      : /<path d="M([\d.]+) [\d.]+l6 7l-6 7l-6 -7z"/g;
  return [...svg.matchAll(re)].map((m) => Number(m[1]));
}

/** The x of `t` on an axis, read back from two labelled ticks of the drawing. */
function axisX(svg: string): (t: Date) => number {
  const from = Number(svg.match(/<!--from (\d+)-->/)?.[1]);
  const until = Number(svg.match(/<!--until (\d+)-->/)?.[1]);
  return (t) => 16 + ((t.getTime() - from) / (until - from)) * (944 - 16);
}

let anchor: CertificateAuthority;
let shortAnchor: CertificateAuthority;
let issuer: Issuer;
let leaf: Certificate;

beforeAll(async () => {
  anchor = await createTrustAnchor({ now: at('2025-01-01T00:00:00Z') });
  // The same key and name, shorter: an issuer signed by `anchor` outlives this one.
  shortAnchor = await createTrustAnchor({
    key: anchor.key,
    lifetime: '12000h',
    now: at('2025-01-01T00:00:00Z'),
  });
  issuer = await createIssuer({ anchor, lifetime: '8760h', now: at('2026-01-01T00:00:00Z') });
  const key = await generateKeyPair();
  const identity = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
  const csr = await createCsr({ key, identity });
  leaf = (await issueLeaf({ issuer, csr: csr.der, identity, now: NOW })).certificate;
});

describe('timelineSvg', () => {
  it('draws anchors, issuers and leaves with role, CN, short fingerprint and dates, and now', () => {
    const svg = timelineSvg({
      bundle: writeBundle([anchor.certificate]),
      issuers: [issuer.pem],
      leaves: [leaf.der],
      now: NOW,
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const all = texts(svg).map((t) => t.text);
    expect(all).toContain(
      `anchor root.linkerd.cluster.local · sha256:${fp(anchor.certificate)} · 2024-12-31 → 2034-12-30`,
    );
    expect(
      all.some((t) =>
        t.startsWith(`issuer identity.linkerd.cluster.local · sha256:${fp(issuer.certificate)}`),
      ),
    ).toBe(true);
    expect(
      all.some((t) =>
        t.startsWith(`leaf web.shop.serviceaccount.identity.linkerd.cluster.local · sha256:${fp(leaf)}`),
      ),
    ).toBe(true);
    expect(all).toContain('now 2026-04-20 00:00');
    expect(all.some((t) => /^20\d\d-\d\d-\d\d$/.test(t))).toBe(true); // dates on the axis
    expect(svg).not.toContain('outlives');
    expect(svg).not.toContain('<script');
    expect(svg).not.toMatch(/href=/);
    expect(svg).toContain('<title id="l5d-tl-title">');
  });

  it('is deterministic: the same options give the same bytes', () => {
    const options = { bundle: [anchor.certificate], issuers: [issuer.certificate], leaves: [leaf], now: NOW };
    expect(timelineSvg(options)).toBe(timelineSvg(options));
    expect(timelineSvg({ ...options, now: at('2026-05-01T00:00:00Z') })).not.toBe(timelineSvg(options));
  });

  it("marks an issuer that outlives its anchor, from the anchor's expiry", () => {
    const svg = timelineSvg({ bundle: [shortAnchor.certificate], issuers: [issuer.certificate], now: NOW });
    const end = shortAnchor.certificate.notAfter.toISOString().slice(0, 10);
    expect(texts(svg).map((t) => t.text)).toContain(
      `⚠ outlives anchor root.linkerd.cluster.local (expires ${end}): stops verifying then`,
    );
    expect(svg).toContain('fill="url(#l5d-tl-cut)"');
    expect(svg).toContain('valid, but its chain is not'); // the legend explains the pattern
    // With the ten-year anchor it does not.
    expect(
      timelineSvg({ bundle: [anchor.certificate], issuers: [issuer.certificate], now: NOW }),
    ).not.toContain('url(#l5d-tl-cut)"');
  });

  it('marks an issuer whose anchor is not in the bundle', async () => {
    const other = await createTrustAnchor({ commonName: 'root.other.example' });
    const svg = timelineSvg({ bundle: [other.certificate], issuers: [issuer.certificate], now: NOW });
    expect(svg).toContain('no anchor drawn signed it: it cannot verify');
  });

  it('tells anchors with the same name apart by key id', async () => {
    const sameName = await createTrustAnchor({ lifetime: '1000h', now: at('2026-01-01T00:00:00Z') });
    const svg = timelineSvg({
      bundle: [anchor.certificate, sameName.certificate],
      issuers: [issuer.certificate],
      now: NOW,
    });
    expect(svg).not.toContain('outlives');
    const alone = timelineSvg({ bundle: [sameName.certificate], issuers: [issuer.certificate], now: NOW });
    expect(alone).toContain('no anchor drawn signed it');
  });

  it("shows the proxy's next refresh of a leaf, and the issuer's renewal or rotation date", () => {
    const svg = timelineSvg({
      bundle: [anchor.certificate],
      issuers: [issuer.certificate],
      leaves: [leaf],
      now: NOW,
    });
    const x = axisX(svg);
    const refresh = new Date(NOW.getTime() + proxyRefreshDelay({ notAfter: leaf.notAfter, now: NOW }));
    expect(markerXs(svg, 'triangle')[0]).toBeCloseTo(x(refresh), 0);
    const rotateBy = new Date(issuer.certificate.notAfter.getTime() - EXPIRY_WARNING_WINDOW_MS);
    expect(markerXs(svg, 'square')).toHaveLength(1);
    expect(markerXs(svg, 'square')[0]).toBeCloseTo(x(rotateBy), 0);
    expect(markerXs(svg, 'diamond')).toHaveLength(0);

    const managed = timelineSvg({
      bundle: [anchor.certificate],
      issuers: [issuer.certificate],
      now: NOW,
      issuerRenewal: { renewBefore: 10 * 86_400_000 },
    });
    const renewal = certManagerRenewalTime({
      notBefore: issuer.certificate.notBefore,
      notAfter: issuer.certificate.notAfter,
      renewBefore: 10 * 86_400_000,
    });
    expect(markerXs(managed, 'square')).toHaveLength(0);
    expect(markerXs(managed, 'diamond')[0]).toBeCloseTo(axisX(managed)(renewal), 0);
    expect(managed).toContain('cert-manager renews');
  });

  it('draws the last 60 days of anchors and issuers, when linkerd check warns', () => {
    const svg = timelineSvg({ bundle: [anchor.certificate], issuers: [issuer.certificate], now: NOW });
    const x = axisX(svg);
    const warn = [
      ...svg.matchAll(
        /<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="14" fill="url\(#l5d-tl-warn\)"/g,
      ),
    ];
    expect(warn).toHaveLength(2);
    const start = new Date(issuer.certificate.notAfter.getTime() - 60 * 86_400_000);
    expect(Number(warn[1]![1])).toBeCloseTo(x(start), 0);
    expect(svg).toContain('last 60 days: linkerd check warns');
  });

  it("draws an anchor rotation's steps, and flags a removal before the old issuer's last leaf expires", async () => {
    const next = await createTrustAnchor({ now: NOW });
    const nextIssuer = await createIssuer({ anchor: next, now: NOW });
    const plan = (margin: number) =>
      planAnchorRotation({
        currentBundle: writeBundle([anchor.certificate]),
        newAnchor: next,
        newIssuer: nextIssuer,
        margin,
        now: NOW,
      } as Parameters<typeof planAnchorRotation>[0] & { currentBundlePem?: string });
    const safe = timelineSvg({ rotation: plan(3_600_000), issuers: [nextIssuer.certificate], now: NOW });
    const all = texts(safe).map((t) => t.text);
    expect(all).toContain('step 1 add new anchor');
    expect(all).toContain('step 2 switch issuer');
    expect(all).toContain('step 3 remove old anchor');
    expect(all.some((t) => t.startsWith('leaf the last one the old issuer signs'))).toBe(true);
    expect(all.some((t) => t.startsWith('leaves the bundle at step 3'))).toBe(true);
    expect(all.some((t) => t.startsWith('enters the bundle at step 1'))).toBe(true);
    expect(safe).not.toContain('still valid after');
    // No margin: the last leaf (24 h + 10 s) is still valid when its anchor leaves the bundle.
    const unsafe = timelineSvg({ rotation: plan(0), now: NOW });
    expect(unsafe).toContain('still valid after anchor root.linkerd.cluster.local leaves the bundle');
  });

  it('escapes what certificates say', async () => {
    const hostile = await createTrustAnchor({ commonName: 'a<b>&"c' });
    const svg = timelineSvg({ bundle: [hostile.certificate], now: NOW });
    expect(svg).toContain('a&lt;b&gt;&amp;&quot;c');
    expect(svg).not.toContain('a<b>');
  });

  it('keeps every text apart with a dozen bars', async () => {
    const issuers: Certificate[] = [];
    for (let i = 0; i < 8; i++) {
      const made = await createIssuer({
        anchor,
        commonName: `identity-${i}.linkerd.cluster.local`,
        lifetime: `${(i + 1) * 1000}h`,
        now: new Date(NOW.getTime() + i * 40 * 86_400_000),
      });
      issuers.push(made.certificate);
    }
    const svg = timelineSvg({
      bundle: [anchor.certificate, shortAnchor.certificate],
      issuers,
      leaves: [leaf],
      now: NOW,
      issuerRenewal: {},
    });
    const boxes = texts(svg).map((t) => ({ ...t, right: t.x + t.text.length * 12 * 0.62 }));
    expect(boxes.length).toBeGreaterThan(12);
    for (const b of boxes) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.right).toBeLessThanOrEqual(960);
    }
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        const apart = Math.abs(a.y - b.y) >= 12 || a.right <= b.x || b.right <= a.x;
        expect(apart, `"${a.text}" overlaps "${b.text}"`).toBe(true);
      }
  });

  it('refuses bad options with codes', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isPkiError(e) ? e.code : String(e);
      }
      return 'no error';
    };
    expect(code(() => timelineSvg({ now: NOW }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => timelineSvg({ bundle: [anchor.certificate], now: new Date('x') }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(code(() => timelineSvg({ bundle: [anchor.certificate], now: NOW, from: NOW, until: NOW }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(code(() => timelineSvg({ bundle: 'not pem', now: NOW }))).toMatch(/^ERR_BUNDLE/);
    expect(code(() => timelineSvg(undefined as never))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('docs/timeline-example.svg is what scripts/timeline-example.ts makes', async () => {
    const { svg } = await timelineExample();
    expect(readFileSync(join(ROOT, 'docs/timeline-example.svg'), 'utf8')).toBe(svg);
    expect(svg).toContain('outlives anchor root.linkerd.cluster.local');
    expect(svg).toContain('no anchor drawn signed it');
  });
});

describe('the CLI draws timelines with --svg', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'l5d-timeline-'));
    writeFileSync(join(dir, 'ca.crt'), writeBundle([anchor.certificate]));
    writeFileSync(join(dir, 'issuer.crt'), issuer.pem);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = async (argv: string[]) => {
    let out = '';
    let err = '';
    const io: Io = {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      errIsTty: false,
    };
    const status = await run(argv, io);
    return { status, out, err };
  };

  it('schedule --anchors --issuer-cert --svg', async () => {
    const svgFile = join(dir, 'plan.svg');
    const r = await cli([
      'schedule',
      '--anchors',
      join(dir, 'ca.crt'),
      '--issuer-cert',
      join(dir, 'issuer.crt'),
      '--now',
      NOW.toISOString(),
      '--svg',
      svgFile,
    ]);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toContain(`wrote ${svgFile}`);
    const svg = readFileSync(svgFile, 'utf8');
    expect(svg).toBe(timelineSvg({ bundle: [anchor.certificate], issuers: [issuer.certificate], now: NOW }));
  });

  it('rotate anchor --svg', async () => {
    const svgFile = join(dir, 'rotation.svg');
    const r = await cli([
      'rotate',
      'anchor',
      '--bundle',
      join(dir, 'ca.crt'),
      '--out',
      join(dir, 'next'),
      '--now',
      NOW.toISOString(),
      '--svg',
      svgFile,
      '--json',
    ]);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.out).files.svg).toBe(svgFile);
    const svg = readFileSync(svgFile, 'utf8');
    expect(svg).toContain('step 3 remove old anchor');
    expect(svg).not.toContain('still valid after');
  });
});

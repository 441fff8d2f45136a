// The inspector page in real Chromium (the Debian browser, as test:runtimes uses it), opened from disk.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInspector } from '../scripts/build-inspector.mjs';
import type { CertificateAuthority } from '../src/anchor';
import {
  base64Encode,
  createCsr,
  createIssuer,
  createTrustAnchor,
  generateKeyPair,
  type Issuer,
  issueLeaf,
  issuerSecret,
  toYaml,
  trustRootsConfigMap,
  writeBundle,
} from '../src/index';

const ROOT = resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const IDENTITY = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
const SPIFFE_ID = 'spiffe://identity.linkerd.cluster.local/ns/shop/sa/web';

let dir: string;
let pageUrl: string;
let browser: Browser;
let page: Page;
let anchor: CertificateAuthority;
let issuer: Issuer;
let leafChainPem: string;
let leafDer: Uint8Array;
let foreignChainPem: string;
const requests: string[] = [];
const errors: string[] = [];

/** The base64 body lines of a PEM block, the parts of a key that must never reach the page. */
const bodyLines = (pem: string) => pem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));

async function paste(text: string): Promise<void> {
  const before = await page.evaluate(() => document.body.dataset.inspected ?? '0');
  await page.fill('#input', text);
  await page.click('#inspect');
  await page.waitForFunction((b) => (document.body.dataset.inspected ?? '0') !== b, before);
}

async function shot(name: string): Promise<void> {
  const file = join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  expect(statSync(file).size).toBeGreaterThan(5_000);
}

/** The page's markup and visible text hold none of the key's lines. */
async function expectNoKey(keyPem: string): Promise<void> {
  const html = await page.content();
  const text = await page.evaluate(() => document.body.textContent ?? '');
  for (const line of bodyLines(keyPem)) {
    expect(html).not.toContain(line);
    expect(text).not.toContain(line);
  }
}

describe.skipIf(!available && !process.env.CI)('the inspector page in Chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'l5d-inspector-'));
    const { html } = await buildInspector({ fromSource: true });
    const file = join(dir, 'inspector.html');
    writeFileSync(file, html);
    pageUrl = pathToFileURL(file).href;

    anchor = await createTrustAnchor();
    issuer = await createIssuer({ anchor });
    const key = await generateKeyPair();
    const csr = await createCsr({ key, identity: IDENTITY });
    const leaf = await issueLeaf({ issuer, csr: csr.der, identity: IDENTITY });
    leafChainPem = `${leaf.pem}${issuer.pem}`;
    leafDer = leaf.der;
    const otherAnchor = await createTrustAnchor();
    const otherIssuer = await createIssuer({ anchor: otherAnchor });
    const foreign = await issueLeaf({ issuer: otherIssuer, csr: csr.der, identity: IDENTITY });
    foreignChainPem = `${foreign.pem}${otherIssuer.pem}`;

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(pageUrl);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens from disk under a strict Content-Security-Policy, with nothing fetched', async () => {
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'/);
    expect(csp).not.toContain('unsafe');
    expect(requests).toEqual([pageUrl]);
    expect(errors).toEqual([]);
  });

  it('verifies a chain against a bundle and shows the identity', async () => {
    await paste(`${writeBundle([anchor.certificate])}${leafChainPem}`);
    const verdict = await page.textContent('#chains .verdict');
    expect(verdict).toContain(
      `valid: ${IDENTITY} → identity.linkerd.cluster.local → root.linkerd.cluster.local`,
    );
    expect(verdict).toContain(`identity: ${SPIFFE_ID}`);
    expect(await page.getAttribute('#chains .verdict', 'data-ok')).toBe('true');
    const roles = await page.$$eval('#certificates article', (a) =>
      a.map((x) => x.getAttribute('data-role')),
    );
    expect(roles.sort()).toEqual(['anchor', 'issuer', 'leaf']);
    const leafCard = await page.textContent('#certificates article[data-role="leaf"]');
    expect(leafCard).toContain(`SPIFFE ID${SPIFFE_ID}`);
    expect(leafCard).toContain(`DNS:${IDENTITY}`);
    expect(leafCard).toMatch(/SHA-256[0-9a-f]{64}/);
    expect(leafCard).toContain('EC P-256');
    // The timeline is drawn, as an SVG the page parsed without error.
    expect(await page.locator('#timeline svg').count()).toBe(1);
    expect(await page.locator('#timeline svg parsererror').count()).toBe(0);
    expect(await page.textContent('#timeline svg')).toContain('root.linkerd.cluster.local');
    // Without the issuer's key, the identity checks say what they need.
    expect(await page.textContent('#checks')).toContain("Give the issuer's private key");
    await shot('chain');
    expect(errors).toEqual([]);
  });

  it("runs linkerd check's identity checks with the issuer's key, and never shows the key", async () => {
    const keyPem = issuer.key.exportPkcs8Pem();
    await paste(`${writeBundle([anchor.certificate])}${issuer.pem}${keyPem}`);
    const lines = await page.$$eval('#checks li', (li) =>
      li.map((l) => `${l.getAttribute('data-status')} ${l.textContent}`),
    );
    expect(lines).toHaveLength(8);
    expect(lines[0]).toContain('ok √ certificate config is valid');
    expect(lines[7]).toContain('ok √ issuer cert is issued by the trust anchor');
    expect(await page.textContent('#certificates article[data-role="issuer"]')).toContain(
      'given, and it matches',
    );
    await expectNoKey(keyPem);
    // Even the text box no longer shows it: the key is held in memory, its block replaced by a note.
    const box = await page.inputValue('#input');
    for (const line of bodyLines(keyPem)) expect(box).not.toContain(line);
    expect(box).toContain("[private key #1: read and held in this page's memory, not shown]");
    await shot('checks');
    // Inspecting again still has the key; Clear forgets it.
    await page.click('#inspect');
    await page.waitForFunction(() => document.querySelectorAll('#checks li').length === 8);
    await page.click('#clear');
    await page.fill('#input', `${writeBundle([anchor.certificate])}${issuer.pem}`);
    await page.click('#inspect');
    await page.waitForFunction(() =>
      document.querySelector('#checks')?.textContent?.includes("Give the issuer's private key"),
    );
  });

  it('says why a foreign chain fails', async () => {
    await paste(`${writeBundle([anchor.certificate])}${foreignChainPem}`);
    expect(await page.getAttribute('#chains .verdict', 'data-ok')).toBe('false');
    expect(await page.textContent('#chains .verdict')).toMatch(/invalid \[[A-Z_]+\]: .+/);
    await shot('foreign');
  });

  it('reads Kubernetes YAML: the issuer Secret and the trust-roots ConfigMap', async () => {
    const keyPem = issuer.key.exportPkcs8Pem();
    const yaml = toYaml([
      issuerSecret({ issuer, bundle: writeBundle([anchor.certificate]) }),
      trustRootsConfigMap({ bundle: writeBundle([anchor.certificate]) }),
    ]);
    await paste(yaml);
    const roles = await page.$$eval('#certificates article', (a) =>
      a.map((x) => x.getAttribute('data-role')),
    );
    expect(roles.sort()).toEqual(['anchor', 'issuer']);
    const lines = await page.$$eval('#checks li', (li) => li.map((l) => l.getAttribute('data-status')));
    expect(lines.filter((s) => s === 'error')).toEqual([]);
    expect(lines).toHaveLength(8);
    // The Secret carries the key in base64 twice over: neither form reaches the page.
    await expectNoKey(keyPem);
    const html = await page.content();
    expect(html).not.toContain(base64Encode(new TextEncoder().encode(keyPem)).slice(0, 40));
    await shot('yaml');
  });

  it('reads a SPIFFE bundle document and a DER file', async () => {
    const bundleDoc = JSON.stringify({
      spiffe_sequence: 1,
      keys: [{ use: 'x509-svid', kty: 'EC', crv: 'P-256', x5c: [base64Encode(anchor.der)] }],
    });
    await page.setInputFiles('#file', {
      name: 'leaf.der',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(leafDer),
    });
    await paste(`${bundleDoc}`);
    // The bundle alone gives the anchor; the DER leaf still lacks its issuer.
    expect(await page.textContent('#chains .verdict')).toMatch(/invalid/);
    await page.setInputFiles('#file', {
      name: 'issuer.crt',
      mimeType: 'text/plain',
      buffer: Buffer.from(issuer.pem),
    });
    await page.waitForFunction(() => document.querySelectorAll('#certificates article').length === 3);
    expect(await page.getAttribute('#chains .verdict', 'data-ok')).toBe('true');
    expect(await page.textContent('#certificates')).toContain('leaf.der');
    await page.click('#clear');
  });

  it('passes an accessibility pass: labels, keyboard, contrast', async () => {
    await paste(`${writeBundle([anchor.certificate])}${leafChainPem}${foreignChainPem}`);
    // Every control has a label.
    const unlabelled = await page.$$eval('input, textarea, select, button', (els) =>
      els
        .filter((e) => {
          const id = e.id;
          const label = id ? document.querySelector(`label[for="${id}"]`) : null;
          const text = e.tagName === 'BUTTON' ? e.textContent?.trim() : '';
          return !label?.textContent?.trim() && !e.getAttribute('aria-label') && !text;
        })
        .map((e) => e.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    // Tab reaches every control in order, and Enter on the button inspects.
    await page.click('h1'); // the focus navigation starts at the top of the page
    const reached: string[] = [];
    for (let i = 0; i < 16 && reached.at(-1) !== 'clear'; i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => document.activeElement?.id ?? '');
      if (id !== reached.at(-1)) reached.push(id); // the date field takes a Tab per part
    }
    expect(reached).toEqual(['input', 'file', 'at', 'inspect', 'clear']);
    await page.focus('#inspect');
    const before = await page.evaluate(() => document.body.dataset.inspected);
    await page.keyboard.press('Enter');
    await page.waitForFunction((b) => document.body.dataset.inspected !== b, before);
    // Text contrast of at least 4.5:1, HTML and SVG alike.
    const low = await page.evaluate(() => {
      const rgb = (c: string): number[] => {
        const m = c.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 1];
        return m.length === 4 && m[3] === 0 ? [] : m.slice(0, 3);
      };
      const hexRgb = (h: string) => [1, 3, 5].map((i) => Number.parseInt(h.slice(i, i + 2), 16));
      const lum = ([r, g, b]: number[]) => {
        const f = (v: number) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
      };
      const ratio = (a: number[], b: number[]) => {
        const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
        return (x! + 0.05) / (y! + 0.05);
      };
      const background = (e: Element | null): number[] => {
        for (let n = e; n; n = n.parentElement) {
          const c = rgb(getComputedStyle(n).backgroundColor);
          if (c.length) return c;
        }
        return [255, 255, 255];
      };
      const found: string[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let t = walker.nextNode(); t; t = walker.nextNode()) {
        const e = t.parentElement;
        if (!e || !t.textContent?.trim() || e.closest('svg') || e.closest('textarea')) continue;
        const r = ratio(rgb(getComputedStyle(e).color), background(e));
        if (r < 4.5) found.push(`${r.toFixed(2)} ${e.tagName} ${t.textContent.trim().slice(0, 40)}`);
      }
      for (const text of Array.from(document.querySelectorAll('svg text'))) {
        const fill = text.getAttribute('fill') ?? '#000000';
        const r = ratio(hexRgb(fill), [255, 255, 255]);
        if (r < 4.5) found.push(`${r.toFixed(2)} svg ${text.textContent?.slice(0, 40)}`);
      }
      return found;
    });
    expect(low).toEqual([]);
    await shot('a11y');
    expect(errors).toEqual([]);
  });

  it('`build-inspector.mjs --serve` serves the page on 127.0.0.1', async () => {
    const out = join(dir, 'served.html');
    const child = spawn(
      process.execPath,
      ['scripts/build-inspector.mjs', '--serve', '--port', '0', '--out', out],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const url = await new Promise<string>((done, fail) => {
        let text = '';
        child.stdout.on('data', (d) => {
          text += d;
          const m = text.match(/inspector on (http:\/\/127\.0\.0\.1:\d+\/)/);
          if (m) done(m[1]!);
        });
        child.stderr.on('data', (d) => {
          text += d;
        });
        child.on('exit', (code) => fail(new Error(`exited ${code}: ${text}`)));
      });
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await res.text()).toContain('<title>l5d-pki inspector</title>');
      expect((await fetch(`${url}other`)).status).toBe(404);
    } finally {
      child.kill();
    }
  });

  it('took its screenshots (in a temp dir removed afterwards)', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.png')).length).toBeGreaterThan(3);
  });
});

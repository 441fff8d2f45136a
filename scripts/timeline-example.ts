// Writes docs/timeline-example.svg (and, with --png, a screenshot of it beside it in .tmp/) from fixed
// material: seeded keys and signatures, fixed times, so the file comes out byte for byte the same.
//
//   npx tsx scripts/timeline-example.ts
//
// The scene: an anchor re-issued with a shorter life than the issuer under it (the issuer outlives it),
// a new anchor and its issuer, a leaf under each issuer, and an issuer whose anchor is not in the bundle.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createCsr,
  createIssuer,
  createTrustAnchor,
  generateKeyPair,
  type Issuer,
  issueLeaf,
  timelineSvg,
  writeBundle,
} from '../src/index';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A seeded byte source (SplitMix32): the same keys, serials and signatures on every run. */
export function seededRandom(seed: number): (length: number) => Uint8Array {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      const word = next();
      for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
    }
    return out;
  };
}

/** The moment the example is drawn at. */
export const EXAMPLE_NOW = new Date('2026-04-20T00:00:00Z');

async function leafUnder(issuer: Issuer, identity: string, random: (n: number) => Uint8Array) {
  const key = await generateKeyPair({ random });
  const csr = await createCsr({ key, identity });
  return issueLeaf({ issuer, csr: csr.der, identity, now: EXAMPLE_NOW, random });
}

/** The example's material and its timeline. */
export async function timelineExample(): Promise<{ svg: string; bundle: string }> {
  const random = seededRandom(0x22);
  // The old anchor signed the issuer while it had ten years; the bundle holds a re-issue with the same key
  // and name that ends earlier, so the issuer outlives the anchor the bundle trusts.
  const oldLong = await createTrustAnchor({
    commonName: 'root.linkerd.cluster.local',
    now: new Date('2024-06-01T00:00:00Z'),
    random,
  });
  const oldAnchor = await createTrustAnchor({
    commonName: 'root.linkerd.cluster.local',
    key: oldLong.key,
    lifetime: '17520h',
    now: new Date('2024-06-01T00:00:00Z'),
    random,
  });
  const oldIssuer = await createIssuer({
    anchor: oldLong,
    lifetime: '8760h',
    now: new Date('2025-10-01T00:00:00Z'),
    random,
  });
  const newAnchor = await createTrustAnchor({
    commonName: 'root-2026.linkerd.cluster.local',
    lifetime: '17520h',
    now: new Date('2026-03-01T00:00:00Z'),
    random,
  });
  const newIssuer = await createIssuer({
    anchor: newAnchor,
    lifetime: '8760h',
    now: new Date('2026-04-15T00:00:00Z'),
    random,
  });
  const stray = await createTrustAnchor({
    commonName: 'root.linkerd.other.example',
    now: new Date('2025-01-01T00:00:00Z'),
    random,
  });
  const strayIssuer = await createIssuer({
    anchor: stray,
    commonName: 'identity.linkerd.other.example',
    lifetime: '8760h',
    now: new Date('2025-12-01T00:00:00Z'),
    random,
  });
  const web = await leafUnder(oldIssuer, 'web.shop.serviceaccount.identity.linkerd.cluster.local', random);
  const api = await leafUnder(newIssuer, 'api.shop.serviceaccount.identity.linkerd.cluster.local', random);
  const bundle = writeBundle([oldAnchor.certificate, newAnchor.certificate]);
  const svg = timelineSvg({
    title: 'Trust hierarchy on 2026-04-20: an issuer outliving its anchor, and an issuer of another mesh',
    bundle,
    issuers: [oldIssuer.certificate, newIssuer.certificate, strayIssuer.certificate],
    leaves: [web.certificate, api.certificate],
    now: EXAMPLE_NOW,
  });
  return { svg, bundle };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { svg } = await timelineExample();
  const file = join(root, 'docs/timeline-example.svg');
  writeFileSync(file, svg);
  console.log(`wrote ${file} (${svg.length} bytes)`);
}

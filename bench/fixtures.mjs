// Benchmark fixtures: anchors, an issuer loaded as the identity service loads it, CSRs and leaves.

import { generateKeyPairSync, sign } from 'node:crypto';
import { element, indexOf, tlv } from './der.mjs';

export const IDENTITY = 'web.shop.serviceaccount.identity.linkerd.cluster.local';

/** `count` distinct workload identities in the Linkerd form. */
export function identities(count) {
  return Array.from(
    { length: count },
    (_, i) => `sa${i}.ns${i % 7}.serviceaccount.identity.linkerd.cluster.local`,
  );
}

/**
 * `count` Linkerd-style CSRs for `identity`, each with its own new P-256 key. Made by splicing fresh keys
 * into a CSR the library wrote (every uncompressed P-256 SPKI has the same length) and signing with
 * node:crypto, so building a big pool stays quick.
 */
export async function csrPool(L, identity, count) {
  const template = (await L.createCsr({ key: await L.generateKeyPair(), identity })).der;
  const [infoStart] = element(template, 0);
  const [, infoEnd] = element(template, infoStart);
  const info = template.slice(infoStart, infoEnd);
  const algStart = infoEnd;
  const [, algEnd] = element(template, algStart);
  const alg = template.slice(algStart, algEnd);
  const parsed = L.parseCsr(template);
  const at = indexOf(info, parsed.publicKey.der);
  const out = [];
  for (let i = 0; i < count; i++) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
    const body = info.slice();
    body.set(spki, at);
    const sig = new Uint8Array(sign('sha256', body, { key: privateKey, dsaEncoding: 'der' }));
    out.push(tlv(0x30, body, alg, tlv(0x03, new Uint8Array([0]), sig)));
  }
  return out;
}

/**
 * The PKI the cases share: two trust anchors (a rotation bundle), an issuer under the first loaded from
 * PEM as the identity service loads its Secret, a CSR, and leaves for distinct workloads.
 */
export async function makePki(L, { leaves = 128 } = {}) {
  const anchor = await L.createTrustAnchor();
  const nextAnchor = await L.createTrustAnchor({ commonName: 'root-next.linkerd.cluster.local' });
  const made = await L.createIssuer({ anchor });
  const issuer = L.loadIssuer({ certificate: made.pem + anchor.pem, key: made.key.exportPkcs8Pem() });
  const key = await L.generateKeyPair();
  const csr = await L.createCsr({ key, identity: IDENTITY });
  const ids = identities(leaves);
  const leafPool = [];
  for (const identity of ids) {
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const publicKey = L.importPublicKey(new Uint8Array(k.export({ format: 'der', type: 'spki' })));
    const leaf = await L.issueLeafForKey({ issuer, publicKey, identity });
    leafPool.push({ der: leaf.der, pem: leaf.pem, identity });
  }
  return {
    anchor,
    nextAnchor,
    issuer,
    csr: csr.der,
    leaves: leafPool,
    bundlePem: anchor.pem + nextAnchor.pem,
  };
}

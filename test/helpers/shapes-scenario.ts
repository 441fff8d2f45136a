// Run by test/jit-shapes.test.ts in a child process (node --expose-gc --trace-deopt ...): the hot paths,
// with full garbage collections between rounds while none of their short-lived objects is alive.

import { createTrustAnchor } from '../../src/anchor';
import { setCryptoBackend } from '../../src/crypto';
import { nodeBackend } from '../../src/crypto/default.node.ts';
import { createCsr } from '../../src/csr';
import { createIssuer } from '../../src/issuer';
import { generateKeyPair } from '../../src/keys';
import { issueLeaf, issueLeafForKey } from '../../src/leaf';
import { Verifier } from '../../src/verify';
import { parseCertificate } from '../../src/x509';

setCryptoBackend(nodeBackend);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const identity = (i: number) => `sa${i}.ns.serviceaccount.identity.linkerd.cluster.local`;
const anchor = await createTrustAnchor();
const issuer = await createIssuer({ anchor });
const leaves = [];
for (let i = 0; i < 16; i++) {
  const key = await generateKeyPair();
  leaves.push({
    der: (await issueLeafForKey({ issuer, publicKey: key.publicKey, identity: identity(i) })).der,
    name: identity(i),
  });
}
const csr = (await createCsr({ key: await generateKeyPair(), identity: identity(0) })).der;
const verifier = new Verifier({ bundle: anchor.pem });
for (let round = 0; round < 3; round++) {
  for (let i = 0; i < 2000; i++) {
    const leaf = leaves[i % leaves.length]!;
    parseCertificate(leaf.der);
    const r = await verifier.verify({ leaf: leaf.der, intermediates: [issuer.der], name: leaf.name });
    if (!r.ok) throw new Error(r.reason);
    if (i % 4 === 0) await issueLeaf({ issuer, csr, identity: identity(0) });
  }
  gc();
  console.log(`round ${round} done`);
}

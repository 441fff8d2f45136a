// The quickstart, end to end on the built package: anchor → issuer → proxy key and CSR → leaf.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createCsr,
  createIssuer,
  createTrustAnchor,
  generateKeyPair,
  issueLeaf,
  writeBundle,
} from '../dist/node.js';

const out = process.argv[2] ?? 'pki-demo';
mkdirSync(out, { recursive: true });
const write = (name, data, mode = 0o644) => writeFileSync(join(out, name), data, { mode });

const anchor = await createTrustAnchor();
const issuer = await createIssuer({ anchor });
const identity = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
const key = await generateKeyPair();
const csr = await createCsr({ key, identity });
const leaf = await issueLeaf({ issuer, csr: csr.der, identity });

write('ca.crt', writeBundle([anchor.certificate]));
write('ca.key', anchor.key.exportPkcs8Pem(), 0o600);
write('issuer.crt', issuer.pem);
write('issuer.key', issuer.key.exportPkcs8Pem(), 0o600);
write('key.p8', key.exportPkcs8(), 0o600);
write('csr.der', csr.der);
write('leaf.crt', leaf.chainPem);

const show = (what, c) =>
  console.log(`${what.padEnd(12)} ${c.subject.commonName}  (valid until ${c.notAfter.toISOString()})`);
show('trust anchor', anchor.certificate);
show('issuer', issuer.certificate);
show('leaf', leaf.certificate);
console.log(
  `SANs         ${leaf.certificate.subjectAltNames.map((n) => `${n.type.toUpperCase()}:${n.value}`).join(', ')}`,
);
console.log(`\nwrote ca.crt, ca.key, issuer.crt, issuer.key, key.p8, csr.der, leaf.crt to ${out}/`);
console.log(
  `linkerd install --identity-trust-anchors-file ${join(out, 'ca.crt')} --identity-issuer-certificate-file ${join(out, 'issuer.crt')} --identity-issuer-key-file ${join(out, 'issuer.key')}`,
);

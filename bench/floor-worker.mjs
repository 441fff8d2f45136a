// The worker of the floor-issue-workers case: node:crypto alone, each job done at once on this thread.
// A message is a batch { id, jobs: [{ point, info, signature }] }; the answer { id, ok } says, per job,
// whether the fresh key's signature verified, after which the leaf TBS was signed with the issuer's key.

import { createPrivateKey, KeyObject, sign, verify, webcrypto } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const RAW_P256 = { name: 'ECDSA', namedCurve: 'P-256' };
const signing = createPrivateKey({ key: Buffer.from(workerData.pkcs8), format: 'der', type: 'pkcs8' });
const tbs = Buffer.from(workerData.tbs);

parentPort.on('message', async ({ id, jobs }) => {
  const ok = [];
  for (const job of jobs) {
    const key = KeyObject.from(
      await webcrypto.subtle.importKey('raw', job.point, RAW_P256, false, ['verify']),
    );
    const verified = verify('sha256', job.info, key, job.signature);
    if (verified) sign('sha256', tbs, signing);
    ok.push(verified);
  }
  parentPort.postMessage({ id, ok });
});

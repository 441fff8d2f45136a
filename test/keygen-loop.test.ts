import { describe, expect, it } from 'vitest';
import { createCsr } from '../src/csr';
import { generateKeyPair } from '../src/keys';

// Exporting from a freshly generated node:crypto KeyObject can deadlock Node 20 when a garbage
// collection runs the key-generation job's destructor during the export; a few thousand keys made back
// to back reached that state within seconds before generation switched to the job's own encoding.
describe('generating many keys back to back', () => {
  it('makes 5,000 keys and CSRs without stalling', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i++) {
      const key = await generateKeyPair();
      const csr = await createCsr({
        key,
        identity: 'web.shop.serviceaccount.identity.linkerd.cluster.local',
      });
      if (i % 1000 === 0) seen.add(Buffer.from(csr.der).toString('hex'));
    }
    expect(seen.size).toBe(5);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setCryptoBackend } from '../src/crypto/backend';
import { type VerifyResult, verifyChain } from '../src/verify';
import { countSignatureChecks } from './helpers/pki';
import { AT, intermediate, leaf, type Minted, mint, newKey, root } from './verify-certs';

/** Counts the signature checks reaching the crypto backend. */
function codeOf(result: VerifyResult): string {
  return result.ok ? 'ok' : result.code;
}

describe('budgets against hostile certificate sets', () => {
  let counter: ReturnType<typeof countSignatureChecks>;
  beforeEach(() => {
    counter = countSignatureChecks();
  });
  afterEach(() => setCryptoBackend(undefined));

  it('a mesh of CAs sharing one name and key, all cross-signing each other, ends within the budget', async () => {
    const anchor = root('Unrelated Root');
    const key = newKey();
    const self = mint({ cn: 'Mesh', ca: true, key });
    const mesh: Minted[] = [self];
    for (let i = 0; i < 30; i++) mesh.push(mint({ cn: 'Mesh', ca: true, key, issuer: self }));
    const peer = leaf(self);
    const result = await verifyChain({
      leaf: peer.pem,
      intermediates: mesh.map((m) => m.pem),
      bundle: anchor.pem,
      at: AT,
    });
    expect(codeOf(result)).toBe('BUDGET_EXCEEDED');
    expect(counter()).toBeLessThanOrEqual(100);
  });

  it('a long chain of distinct CAs that reaches no anchor is cut by the depth limit', async () => {
    const anchor = root('Unrelated Root');
    let top = root('CA 0');
    const chain: Minted[] = [top];
    for (let i = 1; i < 40; i++) {
      top = intermediate(top, `CA ${i}`);
      chain.push(top);
    }
    const result = await verifyChain({
      leaf: leaf(top).pem,
      intermediates: chain.map((c) => c.pem),
      bundle: anchor.pem,
      at: AT,
    });
    expect(codeOf(result)).toBe('DEPTH_EXCEEDED');
    expect(counter()).toBeLessThanOrEqual(9);
  });

  it('two CAs signing each other end as UNKNOWN_ISSUER, each pair checked once per path', async () => {
    const anchor = root('Root');
    const keyA = newKey();
    const keyB = newKey();
    const aBySelf = mint({ cn: 'A', ca: true, key: keyA });
    const bByA = mint({ cn: 'B', ca: true, key: keyB, issuer: aBySelf });
    const aByB = mint({ cn: 'A', ca: true, key: keyA, issuer: bByA });
    const result = await verifyChain({
      leaf: leaf(bByA).pem,
      intermediates: [bByA.pem, aByB.pem],
      bundle: anchor.pem,
      at: AT,
    });
    expect(codeOf(result)).toBe('UNKNOWN_ISSUER');
    expect(counter()).toBe(2);
  });

  it('honours a smaller signature budget', async () => {
    const anchor = root();
    const a = intermediate(anchor, 'A');
    const b = intermediate(a, 'B');
    const chain = { leaf: leaf(b).pem, intermediates: [a.pem, b.pem], bundle: anchor.pem, at: AT };
    expect(codeOf(await verifyChain({ ...chain, budget: { maxSignatureChecks: 2 } }))).toBe(
      'BUDGET_EXCEEDED',
    );
    expect(codeOf(await verifyChain({ ...chain, budget: { maxSignatureChecks: 3 } }))).toBe('ok');
    expect(codeOf(await verifyChain({ ...chain, budget: { maxIssuerCandidates: 2 } }))).toBe(
      'BUDGET_EXCEEDED',
    );
  });
});

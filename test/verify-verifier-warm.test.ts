import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setCryptoBackend } from '../src/crypto/backend';
import { type ChainInput, Verifier, type VerifyResult, verifyChain } from '../src/verify';
import type { VerifyBudget } from '../src/verify/budget';
import { OID } from '../src/x509/oids';
import { countSignatureChecks } from './helpers/pki';
import { AT, gn, intermediate, leaf, type Minted, newKey, root, summary } from './verify-certs';

interface Case {
  /** The anchors. */
  readonly bundle: readonly Minted[];
  /** A chain that verifies, run first so its intermediates are remembered. */
  readonly warmup?: ChainInput;
  readonly input: ChainInput;
  readonly maxDepth?: number;
  readonly budget?: VerifyBudget;
}

/** Verifies `c.input` with a warm Verifier and with verifyChain; both must say the same. */
async function warmEqualsCold(c: Case): Promise<VerifyResult> {
  const bundle = c.bundle.map((m) => m.pem);
  const limits = {
    ...(c.maxDepth === undefined ? {} : { maxDepth: c.maxDepth }),
    ...(c.budget ? { budget: c.budget } : {}),
  };
  const verifier = new Verifier({ bundle, ...limits });
  if (c.warmup) {
    const first = await verifier.verify(c.warmup);
    expect(first.ok ? 'ok' : first.reason).toBe('ok');
    expect(verifier.cacheSize).toBeGreaterThan(0);
  }
  const input = { at: AT, ...c.input };
  const warm = await verifier.verify(input);
  const again = await verifier.verify(input);
  const cold = await verifyChain({ ...input, bundle, ...limits });
  expect(summary(warm)).toEqual(summary(cold));
  expect(summary(again)).toEqual(summary(cold));
  if (!c.budget) {
    // Every intermediate twice: the general search (a duplicate changes no outcome, only the work done).
    const presented = input.intermediates ?? [];
    const general = await verifyChain({
      ...input,
      intermediates: [...presented, ...presented],
      bundle,
      ...limits,
    });
    expect(summary(general)).toEqual(summary(cold));
  }
  return warm;
}

function outcome(result: VerifyResult): string | [string, number] {
  return result.ok ? 'ok' : [result.code, result.certIndex];
}

describe('Verifier with a remembered issuer', () => {
  let checks: () => number;
  beforeEach(() => {
    checks = countSignatureChecks();
  });
  afterEach(() => setCryptoBackend(undefined));

  const anchor = root('Root');
  const issuer = intermediate(anchor, 'Issuer', {
    notBefore: '2025-06-01T00:00:00Z',
    notAfter: '2027-01-01T00:00:00Z',
  });
  const warmup = { leaf: leaf(issuer, 'warm.example.com').der, intermediates: [issuer.der], at: AT };

  it('refuses a leaf named as issued by it but signed by another key', async () => {
    const forger = { ...issuer, key: { ...newKey(), keyId: issuer.key.keyId } };
    const forged = leaf(forger, 'a.example.com');
    const result = await warmEqualsCold({
      bundle: [anchor],
      warmup,
      input: { leaf: forged.der, intermediates: [issuer.der] },
    });
    expect(outcome(result)).toEqual(['BAD_SIGNATURE', 0]);
    // A same-named CA with its own key identifier: the cached one is still the only candidate, and its
    // key identifier says it is not the one that signed, so the issuer is unknown (as Go reports it).
    const impostor = intermediate(anchor, 'Issuer');
    const other = await warmEqualsCold({
      bundle: [anchor],
      warmup,
      input: { leaf: leaf(impostor).der, intermediates: [issuer.der] },
    });
    expect(outcome(other)).toEqual(['UNKNOWN_ISSUER', 0]);
  });

  it('refuses when the remembered issuer is not valid at the time asked', async () => {
    const input = { leaf: leaf(issuer).der, intermediates: [issuer.der] };
    const later = await warmEqualsCold({
      bundle: [anchor],
      warmup,
      input: { ...input, at: new Date('2028-01-01T00:00:00Z') },
    });
    expect(outcome(later)).toEqual(['EXPIRED', 1]);
    const earlier = await warmEqualsCold({
      bundle: [anchor],
      warmup,
      input: { ...input, at: new Date('2025-03-01T00:00:00Z') },
    });
    expect(outcome(earlier)).toEqual(['NOT_YET_VALID', 1]);
  });

  it('applies the name constraints of the remembered path to every new leaf', async () => {
    const constrained = root('NC Root', { permitted: [gn.dns('example.com')] });
    const under = intermediate(constrained, 'NC Issuer', { excluded: [gn.dns('bad.example.com')] });
    const ok = { leaf: leaf(under, 'a.example.com').der, intermediates: [under.der], at: AT };
    const byAnchor = await warmEqualsCold({
      bundle: [constrained],
      warmup: ok,
      input: { leaf: leaf(under, 'evil.org').der, intermediates: [under.der] },
    });
    expect(outcome(byAnchor)).toEqual(['NAME_CONSTRAINTS', 0]);
    const byIssuer = await warmEqualsCold({
      bundle: [constrained],
      warmup: ok,
      input: { leaf: leaf(under, 'x.bad.example.com').der, intermediates: [under.der] },
    });
    expect(outcome(byIssuer)).toEqual(['NAME_CONSTRAINTS', 0]);
  });

  it('counts path lengths as the general search does', async () => {
    const top = intermediate(anchor, 'Len0', { pathLen: 0 });
    const below = intermediate(top, 'Below Len0');
    const warm = { leaf: leaf(top).der, intermediates: [top.der], at: AT };
    const extra = await warmEqualsCold({
      bundle: [anchor],
      warmup: warm,
      input: { leaf: leaf(below).der, intermediates: [below.der, top.der] },
    });
    expect(outcome(extra)).toEqual(['PATH_LEN_EXCEEDED', 2]);
    const missing = await warmEqualsCold({
      bundle: [anchor],
      warmup: warm,
      input: { leaf: leaf(below).der, intermediates: [below.der] },
    });
    expect(outcome(missing)).toEqual(['UNKNOWN_ISSUER', 1]);
    const strictRoot = root('Len0 Root', { pathLen: 0 });
    const under = intermediate(strictRoot, 'Under Len0 Root');
    const byAnchor = await warmEqualsCold({
      bundle: [strictRoot],
      input: { leaf: leaf(under).der, intermediates: [under.der] },
    });
    expect(outcome(byAnchor)).toEqual(['PATH_LEN_EXCEEDED', 2]);
  });

  it('applies the remembered issuer’s extKeyUsage, maxDepth and budgets on every call', async () => {
    const serverOnly = intermediate(anchor, 'Server CA', { eku: [OID.serverAuth] });
    const warm = { leaf: leaf(serverOnly).der, intermediates: [serverOnly.der], at: AT };
    const input = { leaf: leaf(serverOnly, 'b.example.com').der, intermediates: [serverOnly.der] };
    expect(
      outcome(await warmEqualsCold({ bundle: [anchor], warmup: warm, input: { ...input, usage: 'client' } })),
    ).toEqual(['EXT_KEY_USAGE', 1]);
    expect(
      outcome(await warmEqualsCold({ bundle: [anchor], warmup: warm, input: { ...input, usage: 'server' } })),
    ).toBe('ok');
    // Limits are the verifier's: warm up another verifier with the same limits would fail, so compare cold.
    for (const limits of [
      { maxDepth: 0 },
      { budget: { maxSignatureChecks: 1 } },
      { budget: { maxIssuerCandidates: 1 } },
    ]) {
      const verifier = new Verifier({ bundle: anchor.pem, ...limits });
      const bundle = anchor.pem;
      const first = await verifier.verify({ ...input, at: AT });
      const second = await verifier.verify({ ...input, at: AT });
      const cold = await verifyChain({ ...input, at: AT, bundle, ...limits });
      expect(summary(first)).toEqual(summary(cold));
      expect(summary(second)).toEqual(summary(cold));
      expect(cold.ok).toBe(false);
    }
  });

  it('searches as usual when an anchor shares the issuer’s name', async () => {
    const namesake = root('Issuer');
    const result = await warmEqualsCold({
      bundle: [anchor, namesake],
      warmup,
      input: { leaf: leaf(issuer, 'c.example.com').der, intermediates: [issuer.der] },
    });
    expect(result.ok && result.path.map((c) => c.subject.der.length)).toEqual([
      leaf(issuer, 'c.example.com').cert.subject.der.length,
      issuer.cert.subject.der.length,
      anchor.cert.subject.der.length,
    ]);
    const byNamesake = await warmEqualsCold({
      bundle: [anchor, namesake],
      warmup,
      input: { leaf: leaf(namesake).der, intermediates: [issuer.der] },
    });
    expect(outcome(byNamesake)).toBe('ok');
    expect(byNamesake.ok && byNamesake.path.length).toBe(2);
  });

  it('picks the right one of two anchors sharing a name', async () => {
    const current = root('Shared Root');
    const next = root('Shared Root');
    const underNext = intermediate(next, 'Next Issuer');
    const result = await warmEqualsCold({
      bundle: [current, next],
      warmup: { leaf: leaf(underNext).der, intermediates: [underNext.der], at: AT },
      input: { leaf: leaf(underNext, 'd.example.com').der, intermediates: [underNext.der] },
    });
    expect(result.ok && result.path[2]!.serialHex).toBe(next.cert.serialHex);
  });

  it('handles a leaf that is the presented issuer, an anchor, or named after another issuer', async () => {
    const selfSigned = root('Self');
    const anchoredLeaf = leaf(issuer, 'anchored.example.com');
    const anchored = await warmEqualsCold({
      bundle: [anchor, anchoredLeaf],
      warmup,
      input: { leaf: anchoredLeaf.der, intermediates: [issuer.der] },
    });
    expect(anchored.ok && anchored.path.length).toBe(1);
    expect(
      outcome(
        await warmEqualsCold({
          bundle: [anchor],
          warmup,
          input: { leaf: selfSigned.der, intermediates: [selfSigned.der] },
        }),
      ),
    ).toEqual(['UNKNOWN_ISSUER', 0]);
    const cases: [ChainInput, string | [string, number], number?][] = [
      [{ leaf: issuer.der, intermediates: [issuer.der] }, 'ok', 2],
      [{ leaf: anchor.der, intermediates: [issuer.der] }, 'ok', 1],
      [
        { leaf: leaf(intermediate(anchor, 'Elsewhere')).der, intermediates: [issuer.der] },
        ['UNKNOWN_ISSUER', 0],
      ],
      [{ leaf: leaf(issuer).der, intermediates: [issuer.pem] }, 'ok', 3],
      [{ leaf: leaf(issuer).der, intermediates: [new Uint8Array([0x30, 0x00])] }, ['UNKNOWN_ISSUER', 0]],
    ];
    for (const [input, expected, length] of cases) {
      const result = await warmEqualsCold({ bundle: [anchor], warmup, input });
      expect(outcome(result)).toEqual(expected);
      if (result.ok) expect(result.path.length).toBe(length);
    }
  });

  it('checks one signature per warm verification through the shortcut', async () => {
    const verifier = new Verifier({ bundle: anchor.pem });
    await verifier.verify(warmup);
    const before = checks();
    for (const dns of ['e.example.com', 'f.example.com', 'g.example.com']) {
      const result = await verifier.verify({
        leaf: leaf(issuer, dns).der,
        intermediates: [issuer.der],
        at: AT,
        name: dns,
      });
      expect(result.ok).toBe(true);
    }
    expect(checks() - before).toBe(3);
  });
});

/**
 * Warm ≡ cold: whatever a caller does around one `Verifier` (forged and re-keyed certificates, moving
 * times, rotated bundles, buffers overwritten while a call is pending or between calls, returned
 * certificates and anchors mutated), every verdict equals a cold `verifyChain` on pristine copies of the
 * same inputs. Checked as a property on the synchronous node:crypto backend and on asynchronous WebCrypto
 * (Node's, and @peculiar/webcrypto's), then by one example per attack naming the verdict it must give.
 */
import { Crypto as PeculiarCrypto } from '@peculiar/webcrypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Certificate,
  createTrustStore,
  cryptoBackend,
  OID,
  parseCertificate,
  setCryptoBackend,
  Verifier,
  type VerifyResult,
  webCryptoBackend,
} from '../src';
import {
  type CertId,
  CHAINS,
  coldVerdict,
  copyOf,
  type Flavor,
  freshBundle,
  InterleavingBackend,
  Mismatch,
  mintPool,
  Oracle,
  overwrite,
  type Pool,
  type Request,
  runSequence,
  type SetId,
  SharedStateGuard,
  sequenceArb,
  TIMES,
  verdictOf,
} from './helpers/differential';

/** Fixed, so every run draws the same sequences; fast-check prints it with any counterexample. */
const SEED = 20_260_301;

let pool: Pool;
let oracle: Oracle;
let guard: SharedStateGuard;

beforeAll(() => {
  pool = mintPool();
  oracle = new Oracle(pool);
  guard = new SharedStateGuard(pool);
});

afterAll(() => setCryptoBackend(undefined));

interface BackendCase {
  readonly name: string;
  /** Installs the backend; returns the interleaving wrapper of an asynchronous one. */
  readonly install: () => InterleavingBackend | undefined;
  /** Property runs per flavor. */
  readonly runs: number;
}

const BACKENDS: readonly BackendCase[] = [
  {
    name: 'node:crypto (synchronous)',
    install: () => {
      setCryptoBackend(undefined);
      return undefined;
    },
    runs: 600,
  },
  {
    name: 'WebCrypto (asynchronous)',
    install: () => {
      const interleaving = new InterleavingBackend(webCryptoBackend(globalThis.crypto.subtle));
      setCryptoBackend(interleaving.backend);
      return interleaving;
    },
    runs: 400,
  },
  {
    name: '@peculiar/webcrypto (asynchronous)',
    install: () => {
      const interleaving = new InterleavingBackend(webCryptoBackend(new PeculiarCrypto().subtle));
      setCryptoBackend(interleaving.backend);
      return interleaving;
    },
    runs: 80,
  },
];

const FLAVORS: readonly {
  readonly name: string;
  readonly flavor: Omit<Flavor, 'interleave'>;
  readonly share: number;
}[] = [
  {
    name: 'good and forged chains, moving time, names, usages and rotations',
    flavor: { inputs: false, results: false },
    share: 1,
  },
  {
    name: 'inputs overwritten while pending, between calls, and bundle inputs after construction',
    flavor: { inputs: true, results: false },
    share: 1,
  },
  {
    name: 'returned certificates and the store’s anchors mutated',
    flavor: { inputs: false, results: true },
    share: 1,
  },
  { name: 'everything at once', flavor: { inputs: true, results: true }, share: 2 },
];

/** Runs one sequence, then checks (and puts back) the state parsing shares between calls. */
async function runChecked(
  seq: Parameters<typeof runSequence>[0],
  interleaving: InterleavingBackend | undefined,
) {
  let failure: unknown;
  try {
    await runSequence(seq, { pool, oracle, interleaving });
  } catch (e) {
    failure = e;
  }
  interleaving?.disarm();
  const changed = guard.check();
  if (changed.length > 0) {
    const before = failure instanceof Error ? `${failure.message}\n` : '';
    throw new Mismatch(
      `${before}a certificate object reached state shared by every parse: ${changed.join('; ')}`,
    );
  }
  if (failure) throw failure;
}

describe.each(BACKENDS)('Verifier warm ≡ cold verifyChain on $name', (backend) => {
  let interleaving: InterleavingBackend | undefined;
  beforeAll(() => {
    interleaving = backend.install();
  });
  afterAll(() => setCryptoBackend(undefined));

  it.each(FLAVORS)('$name', async ({ flavor, share }) => {
    const arb = sequenceArb({ ...flavor, interleave: interleaving !== undefined }, 12);
    await fc.assert(
      fc.asyncProperty(arb, (seq) => runChecked(seq, interleaving)),
      { seed: SEED, numRuns: backend.runs * share },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// One example per attack, with the verdict a cold verifyChain gives.

const AT = TIMES[4]!; // 2026-03-01: the old hierarchy and the web leaf are valid
const ISSUER_GONE = TIMES[6]!; // 2027-01-01T00:00:01: the issuer has expired, the web leaf has not
const ANCHOR_GONE = TIMES[9]!; // 2035-06-01: the old anchor has expired, the restricted chain has not

/** A chain of the pool as fresh caller buffers. */
function chain(leaf: CertId, ...intermediates: CertId[]): { leaf: Uint8Array; intermediates: Uint8Array[] } {
  return { leaf: copyOf(pool, leaf), intermediates: intermediates.map((id) => copyOf(pool, id)) };
}

/** The pool's request for `leaf` and `intermediates` (an entry of CHAINS). */
function requestOf(
  leaf: CertId,
  intermediates: readonly CertId[],
  at: Date,
  usage: Request['usage'],
): Request {
  const index = CHAINS.findIndex((c) => c.leaf === leaf && c.intermediates.join() === intermediates.join());
  if (index < 0) throw new Error(`no such chain: ${leaf} | ${intermediates.join(', ')}`);
  return { chain: index, at: TIMES.indexOf(at), usage, name: 0 };
}

/** `result` has the `expected` outcome and equals the cold verdict on pristine copies. */
async function expectVerdict(
  result: VerifyResult,
  set: SetId,
  [leaf, ...intermediates]: readonly [CertId, ...CertId[]],
  at: Date,
  expected: 'ok' | readonly [string, number],
  usage: Request['usage'] = 'any',
): Promise<void> {
  expect(result.ok ? 'ok' : [result.code, result.certIndex]).toEqual(expected);
  expect(verdictOf(result)).toEqual(await coldVerdict(pool, set, requestOf(leaf, intermediates, at, usage)));
}

/** A fresh parse of a pool certificate (an object no verifier has seen). */
function parsed(id: CertId): Certificate {
  return parseCertificate(copyOf(pool, id));
}

/** A verifier of the old bundle that has verified the issuer twice: the second result holds its remembered copy. */
async function warmVerifier(): Promise<{ verifier: Verifier; warm: VerifyResult }> {
  const verifier = new Verifier({ bundle: freshBundle(pool, 'old') });
  expect((await verifier.verify({ ...chain('web', 'issuer'), at: AT })).ok).toBe(true);
  expect(verifier.cacheSize).toBe(1);
  const warm = await verifier.verify({ ...chain('web', 'issuer'), at: AT });
  expect(warm.ok).toBe(true);
  return { verifier, warm };
}

/** The certificate at `i` of a successful result. */
function pathAt(result: VerifyResult, i: number): Certificate {
  if (!result.ok) throw new Error(`expected a verified chain, got ${result.code}: ${result.reason}`);
  return result.path[i]!;
}

/** Runs `fn`; frozen objects may refuse. */
function attempt(fn: () => void): void {
  try {
    fn();
  } catch {
    // refused
  }
}

describe.each(BACKENDS)('Verifier attacks on $name', (backend) => {
  let interleaving: InterleavingBackend | undefined;
  beforeAll(() => {
    interleaving = backend.install();
  });
  afterAll(() => {
    guard.check();
    setCryptoBackend(undefined);
  });

  it('runs on the backend it names', () => {
    expect(cryptoBackend().name).toMatch(interleaving ? /interleaved/ : /^node$/);
    expect(cryptoBackend().verifySync === undefined).toBe(interleaving !== undefined);
  });

  it('never verifies a re-keyed twin’s leaf through the remembered issuer', async () => {
    const { verifier } = await warmVerifier();
    const twin = await verifier.verify({ ...chain('twinWeb', 'issuer'), at: AT });
    await expectVerdict(twin, 'old', ['twinWeb', 'issuer'], AT, ['BAD_SIGNATURE', 0]);
    const both = await verifier.verify({ ...chain('twinWeb', 'issuer', 'twin'), at: AT });
    await expectVerdict(both, 'old', ['twinWeb', 'issuer', 'twin'], AT, 'ok');
    const real = await verifier.verify({ ...chain('web', 'twin'), at: AT });
    await expectVerdict(real, 'old', ['web', 'twin'], AT, ['BAD_SIGNATURE', 0]);
  });

  it('refuses the remembered issuer’s bytes with one TBS byte changed', async () => {
    const { verifier } = await warmVerifier();
    const later = await verifier.verify({ ...chain('web', 'issuerLater'), at: AT });
    await expectVerdict(later, 'old', ['web', 'issuerLater'], AT, ['BAD_SIGNATURE', 1]);
    const rekeyed = await verifier.verify({ ...chain('twinWeb', 'issuerRekeyed'), at: AT });
    await expectVerdict(rekeyed, 'old', ['twinWeb', 'issuerRekeyed'], AT, ['BAD_SIGNATURE', 1]);
  });

  it('refuses leaves under another anchor that shares the anchor’s name and key id', async () => {
    const { verifier } = await warmVerifier();
    const result = await verifier.verify({ ...chain('foreignAdmin', 'foreignIssuer'), at: AT });
    await expectVerdict(result, 'old', ['foreignAdmin', 'foreignIssuer'], AT, ['BAD_SIGNATURE', 1]);
  });

  it('refuses an issuer whose signature is by another key', async () => {
    const { verifier } = await warmVerifier();
    const result = await verifier.verify({ ...chain('web', 'misSigned'), at: AT });
    await expectVerdict(result, 'old', ['web', 'misSigned'], AT, ['BAD_SIGNATURE', 1]);
  });

  it('judges the remembered issuer at every time asked', async () => {
    const { verifier } = await warmVerifier();
    const expired = await verifier.verify({ ...chain('web', 'issuer'), at: ISSUER_GONE });
    await expectVerdict(expired, 'old', ['web', 'issuer'], ISSUER_GONE, ['EXPIRED', 1]);
    const early = await verifier.verify({ ...chain('web', 'issuer'), at: TIMES[1]! });
    await expectVerdict(early, 'old', ['web', 'issuer'], TIMES[1]!, ['NOT_YET_VALID', 0]);
    const client = await verifier.verify({ ...chain('metrics', 'restricted'), at: AT, usage: 'client' });
    await expectVerdict(client, 'old', ['metrics', 'restricted'], AT, ['EXT_KEY_USAGE', 1], 'client');
  });

  it('trusts only the anchors of its own bundle after a rotation', async () => {
    const next = new Verifier({ bundle: freshBundle(pool, 'new') });
    const old = await next.verify({ ...chain('web', 'issuer'), at: AT });
    // The new anchor shares the old one's name but not its key identifier: an unknown issuer.
    await expectVerdict(old, 'new', ['web', 'issuer'], AT, ['UNKNOWN_ISSUER', 1]);
    const both = new Verifier({ bundle: freshBundle(pool, 'both') });
    for (const ids of [
      ['web', 'issuer'],
      ['nextWeb', 'nextIssuer'],
    ] as const) {
      await expectVerdict(await both.verify({ ...chain(ids[0], ids[1]), at: AT }), 'both', ids, AT, 'ok');
    }
  });

  it('verifies the bytes given at the call, whatever the caller writes into them before awaiting', async () => {
    const verifier = new Verifier({ bundle: freshBundle(pool, 'old') });
    const given = chain('web', 'issuer');
    const pending = verifier.verify({ ...given, at: AT });
    given.intermediates[0]!.set(pool.der.issuerLater);
    given.leaf.fill(0);
    await expectVerdict(await pending, 'old', ['web', 'issuer'], AT, 'ok');
    const forged = await verifier.verify({ ...chain('web', 'issuerLater'), at: AT });
    await expectVerdict(forged, 'old', ['web', 'issuerLater'], AT, ['BAD_SIGNATURE', 1]);
  });

  it('remembers the bytes it verified, not what the buffer holds when the last signature answers', async () => {
    if (!interleaving) return; // a synchronous backend answers before the caller can run
    for (const [forgery, leaf] of [
      ['issuerLater', 'web'],
      ['issuerRekeyed', 'twinWeb'],
    ] as const) {
      const verifier = new Verifier({ bundle: freshBundle(pool, 'old') });
      const given = chain('web', 'issuer');
      // Answers: the leaf's signature, then the issuer's; the caller refills its buffer in between the
      // last answer and the verifier's bookkeeping.
      interleaving.arm(2, () => given.intermediates[0]!.set(pool.der[forgery]));
      const first = await verifier.verify({ ...given, at: AT });
      interleaving.disarm();
      expect(first.ok).toBe(true);
      const again = await verifier.verify({
        leaf: copyOf(pool, leaf),
        intermediates: given.intermediates,
        at: AT,
      });
      await expectVerdict(again, 'old', [leaf, forgery], AT, ['BAD_SIGNATURE', 1]);
      await expectVerdict(first, 'old', ['web', 'issuer'], AT, 'ok');
    }
  });

  it('gives results whose Dates reach no later verdict', async () => {
    const { verifier, warm } = await warmVerifier();
    attempt(() => pathAt(warm, 1).notAfter.setUTCFullYear(2100));
    const expired = await verifier.verify({ ...chain('web', 'issuer'), at: ISSUER_GONE });
    await expectVerdict(expired, 'old', ['web', 'issuer'], ISSUER_GONE, ['EXPIRED', 1]);
    const other = await warmVerifier();
    attempt(() => Date.prototype.setTime.call(pathAt(other.warm, 1).notAfter, Date.UTC(2100, 0, 1)));
    const stillExpired = await other.verifier.verify({ ...chain('web', 'issuer'), at: ISSUER_GONE });
    await expectVerdict(stillExpired, 'old', ['web', 'issuer'], ISSUER_GONE, ['EXPIRED', 1]);
  });

  it('gives results whose DER reaches no later verdict', async () => {
    for (const [forgery, leaf] of [
      ['issuerLater', 'web'],
      ['issuerRekeyed', 'twinWeb'],
    ] as const) {
      const { verifier, warm } = await warmVerifier();
      attempt(() => pathAt(warm, 1).der.set(pool.der[forgery]));
      const forged = await verifier.verify({ ...chain(leaf, forgery), at: AT });
      await expectVerdict(forged, 'old', [leaf, forgery], AT, ['BAD_SIGNATURE', 1]);
    }
  });

  it('gives results whose fields, when assigned, reach no later verdict', async () => {
    const { verifier, warm } = await warmVerifier();
    attempt(() => {
      (pathAt(warm, 1) as { publicKey: unknown }).publicKey = parsed('twin').publicKey;
    });
    const twin = await verifier.verify({ ...chain('twinWeb', 'issuer'), at: AT });
    await expectVerdict(twin, 'old', ['twinWeb', 'issuer'], AT, ['BAD_SIGNATURE', 0]);
    await verifier.verify({ ...chain('metrics', 'restricted'), at: AT, usage: 'server' });
    const restricted = await verifier.verify({ ...chain('metrics', 'restricted'), at: AT, usage: 'server' });
    attempt(() => (pathAt(restricted, 1).extKeyUsage as string[]).push(OID.clientAuth));
    attempt(() => {
      (pathAt(restricted, 1) as { extKeyUsage: unknown }).extKeyUsage = undefined;
    });
    const client = await verifier.verify({ ...chain('metrics', 'restricted'), at: AT, usage: 'client' });
    await expectVerdict(client, 'old', ['metrics', 'restricted'], AT, ['EXT_KEY_USAGE', 1], 'client');
  });

  it('keeps its anchors out of reach through store.anchors', async () => {
    const { verifier } = await warmVerifier();
    attempt(() => {
      (verifier.store!.anchors[0] as { publicKey: unknown }).publicKey = parsed('foreignAnchor').publicKey;
    });
    const foreign = await verifier.verify({ ...chain('foreignAdmin', 'foreignIssuer'), at: AT });
    await expectVerdict(foreign, 'old', ['foreignAdmin', 'foreignIssuer'], AT, ['BAD_SIGNATURE', 1]);
    const other = await warmVerifier();
    attempt(() => other.verifier.store!.anchors[0]!.notAfter.setUTCFullYear(2100));
    const gone = await other.verifier.verify({ ...chain('metrics', 'restricted'), at: ANCHOR_GONE });
    await expectVerdict(gone, 'old', ['metrics', 'restricted'], ANCHOR_GONE, ['EXPIRED', 2]);
  });

  it('keeps its anchors out of reach of the bundle inputs it was built from', async () => {
    for (const form of ['der', 'parsed', 'store'] as const) {
      const buffers = freshBundle(pool, 'old');
      const certs = buffers.map((b) => parseCertificate(b));
      const bundle = form === 'der' ? buffers : form === 'parsed' ? certs : createTrustStore(buffers);
      const verifier = new Verifier({ bundle });
      for (const b of buffers) overwrite(b, 'other', pool);
      for (const c of certs) {
        attempt(() => {
          (c as { publicKey: unknown }).publicKey = parsed('foreignAnchor').publicKey;
        });
      }
      if (Array.isArray(bundle))
        bundle[0] = form === 'der' ? copyOf(pool, 'foreignAnchor') : parsed('foreignAnchor');
      const foreign = await verifier.verify({ ...chain('foreignAdmin', 'foreignIssuer'), at: AT });
      await expectVerdict(foreign, 'old', ['foreignAdmin', 'foreignIssuer'], AT, ['BAD_SIGNATURE', 1]);
      const good = await verifier.verify({ ...chain('web', 'issuer'), at: AT });
      await expectVerdict(good, 'old', ['web', 'issuer'], AT, 'ok');
    }
  });

  it('shares nothing mutable between a certificate and later parses', async () => {
    const { warm } = await warmVerifier();
    attempt(() => {
      (pathAt(warm, 0).signatureAlgorithm as { hash: string }).hash = 'SHA-384';
    });
    attempt(() => (pathAt(warm, 1).issuer.rdns as unknown[]).pop());
    attempt(() => (pathAt(warm, 0).extKeyUsage as string[]).pop());
    const own = parsed('issuer');
    attempt(() => {
      (own.signatureAlgorithm as { kind: string }).kind = 'unknown';
    });
    // A fresh parse of every pool certificate still reads as before (put back if not, for what follows).
    expect(guard.check()).toEqual([]);
  });
});

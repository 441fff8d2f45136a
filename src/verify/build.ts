/**
 * Path building: a depth-first search from the leaf towards the trust anchors, trying every plausible
 * issuer (several anchors, re-keyed issuers sharing a name, cross-signed CAs) and backtracking when one
 * fails, within a {@link Budget} so loops and hostile certificate sets end fast. Every candidate issuer is
 * checked as RFC 5280 §6.1 would check it on the way down, just in the opposite order.
 */
import { sameBytes } from '../der';
import { formatName } from '../x509/name';
import { OID } from '../x509/oids';
import type { Certificate } from '../x509/types';
import type { Budget } from './budget';
import { ByteIndex } from './bytes';
import { constrainedNames, nameConstraintsProblem } from './constraints';
import { signatureAlgorithmProblem } from './policy';
import { caProblem, validityProblem } from './profile';
import { failure, type Problem, problem, type VerifyFailure } from './result';
import { anchorsNamed, anchorsWithKeyId, isAnchor, type TrustStore } from './store';

/**
 * The TLS role the leaf is verified for; `any` checks no extended key usage.
 *
 * @example
 * ```ts
 * const usage: Usage = 'client'; // verifying a peer that connected to us
 * ```
 */
export type Usage = 'server' | 'client' | 'any';

/** The extKeyUsage purpose of each role. */
export const USAGE_OID: Readonly<Record<Usage, string | undefined>> = {
  server: OID.serverAuth,
  client: OID.clientAuth,
  any: undefined,
};

/** Whether `child`'s signature verifies with `issuer`'s public key (known answers may come synchronously). */
export type SignatureCheck = (child: Certificate, issuer: Certificate) => boolean | Promise<boolean>;

/** Everything path building needs besides the leaf. */
export interface PathContext {
  readonly store: TrustStore;
  /** Presented intermediates by subject name. */
  readonly pool: ByteIndex<Certificate>;
  /** Validation time, milliseconds in whole seconds. */
  readonly at: number;
  readonly usage: Usage;
  /** Most intermediates that are not self-issued; as many self-issued ones are allowed on top. */
  readonly maxDepth: number;
  readonly budget: Budget;
  readonly checkSignature: SignatureCheck;
  /** Whether the strict certificate profile applies (`VerifyChainOptions.profile`). */
  readonly strict: boolean;
}

interface Candidate {
  readonly cert: Certificate;
  readonly anchor: boolean;
}

/** Indexes presented intermediates by subject name for {@link PathContext.pool}. */
export function poolBySubject(certs: readonly Certificate[]): ByteIndex<Certificate> {
  const pool = new ByteIndex<Certificate>();
  for (const cert of certs) pool.add(cert.subject.der, cert);
  return pool;
}

/** A value, or a promise of it when it had to wait (for a signature check). */
export type MaybePromise<T> = T | Promise<T>;

/** `fn(value)`, once `value` is there: synchronously when it already is. */
export function andThen<T, U>(value: MaybePromise<T>, fn: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

/** The path found (leaf first), or the most specific failure met on the way. */
export type PathOutcome = Certificate[] | VerifyFailure;

/**
 * A path from `leaf` (already checked on its own) to a trust anchor, leaf first; or the most specific
 * failure met on the way. A leaf that is itself an anchor is a path of one. Synchronous until a
 * signature check has to wait.
 */
export function buildPath(leaf: Certificate, ctx: PathContext): MaybePromise<PathOutcome> {
  return isAnchor(ctx.store, leaf) ? [leaf] : extend([leaf], ctx);
}

/** The pool of {@link buildPathThrough}'s shortcut, and of searches without presented certificates. */
export const EMPTY_POOL: ByteIndex<Certificate> = new ByteIndex<Certificate>();

/**
 * {@link buildPath} with `issuer` as the only presented certificate: the usual chain of a leaf and the
 * CA that issued it, searched with less bookkeeping. When `issuer` is named as the leaf's issuer, is not
 * the leaf, no anchor shares its name and the leaf is no anchor, `issuer` is the one candidate
 * {@link issuerCandidates} would give the leaf; above it, `issuer` is on the path, so the pool has no
 * candidate left to give and an empty one is the same. Any other case takes the general search.
 * `ctx.pool` must be {@link EMPTY_POOL}.
 */
export function buildPathThrough(
  leaf: Certificate,
  issuer: Certificate,
  ctx: PathContext,
): MaybePromise<PathOutcome> {
  if (
    !sameBytes(leaf.issuer.der, issuer.subject.der) ||
    sameBytes(leaf.der, issuer.der) ||
    anchorsNamed(ctx.store, issuer.subject.der).length > 0 ||
    isAnchor(ctx.store, leaf)
  ) {
    return buildPath(leaf, { ...ctx, pool: poolBySubject([issuer]) });
  }
  return andThen(
    issuerFailure([leaf], { cert: issuer, anchor: false }, ctx),
    (found) => found ?? extend([leaf, issuer], ctx),
  );
}

function extend(path: Certificate[], ctx: PathContext): MaybePromise<PathOutcome> {
  const child = path[path.length - 1]!;
  const candidates = issuerCandidates(child, path, ctx);
  if (candidates.length === 0) return failure(unknownIssuer(child, ctx.store), path.length - 1);
  return tryCandidates(path, candidates, 0, undefined, ctx);
}

/**
 * Tries `candidates` from the `i`th on, in order: the first path found or budget failure ends the search;
 * otherwise the failure that got furthest (`best` so far) is the answer.
 */
function tryCandidates(
  path: Certificate[],
  candidates: readonly Candidate[],
  i: number,
  best: VerifyFailure | undefined,
  ctx: PathContext,
): MaybePromise<PathOutcome> {
  for (; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    const outcome = andThen(issuerFailure(path, candidate, ctx), (found) => {
      if (found) return found;
      return candidate.anchor ? [...path, candidate.cert] : extend([...path, candidate.cert], ctx);
    });
    if (outcome instanceof Promise) {
      const sofar = best;
      const rest = i + 1;
      return outcome.then((o) => {
        const failed = goesOn(o);
        return failed ? tryCandidates(path, candidates, rest, furthest(sofar, failed), ctx) : o;
      });
    }
    const failed = goesOn(outcome);
    if (!failed) return outcome;
    best = furthest(best, failed);
  }
  return best!;
}

/** `outcome` when it is a failure the search goes on after; undefined for a path or a spent budget. */
function goesOn(outcome: PathOutcome): VerifyFailure | undefined {
  return Array.isArray(outcome) || outcome.code === 'BUDGET_EXCEEDED' ? undefined : outcome;
}

/** The failure about the certificate furthest up the path (the first of equals). */
function furthest(best: VerifyFailure | undefined, failure: VerifyFailure): VerifyFailure {
  return best === undefined || failure.certIndex > best.certIndex ? failure : best;
}

/**
 * Anchors and presented certificates named as `child`'s issuer, not already on the path: the likeliest
 * first (authorityKeyIdentifier equal to the candidate's subjectKeyIdentifier, then unknown, then
 * different), anchors before presented certificates within each group.
 */
function issuerCandidates(child: Certificate, path: readonly Certificate[], ctx: PathContext): Candidate[] {
  const candidates: Candidate[] = [];
  const anchors = anchorsNamed(ctx.store, child.issuer.der);
  for (const cert of anchors) candidates.push({ cert, anchor: true });
  // Pooled certificates are named `child.issuer`: the anchors of that name are the ones they could be.
  const pooled = ctx.pool.empty ? [] : ctx.pool.get(child.issuer.der);
  for (const cert of pooled) {
    if (!includesBytes(anchors, cert) && !includesBytes(path, cert)) candidates.push({ cert, anchor: false });
  }
  if (candidates.length < 2) return candidates;
  const rank = (c: Candidate) => likeliness(child.authorityKeyId, c.cert.subjectKeyId);
  return candidates.sort((a, b) => rank(a) - rank(b));
}

/** Whether `cert` is byte for byte one of `certs`. */
function includesBytes(certs: readonly Certificate[], cert: Certificate): boolean {
  for (const p of certs) if (sameBytes(p.der, cert.der)) return true;
  return false;
}

function likeliness(authorityKeyId: Uint8Array | undefined, subjectKeyId: Uint8Array | undefined): number {
  if (!authorityKeyId || !subjectKeyId) return 1;
  return sameBytes(authorityKeyId, subjectKeyId) ? 0 : 2;
}

function unknownIssuer(child: Certificate, store: TrustStore): Problem {
  const issuer = `no trust anchor or presented certificate is named "${formatName(child.issuer)}"`;
  const byKey = child.authorityKeyId ? anchorsWithKeyId(store, child.authorityKeyId) : [];
  const hint =
    byKey.length > 0 ? ` (anchor "${formatName(byKey[0]!.subject)}" has the key, under another name)` : '';
  return problem('UNKNOWN_ISSUER', `${issuer}${hint}`);
}

/**
 * Why `issuer` cannot be the issuer of the last certificate of `path`, or `undefined` when it can;
 * synchronous unless a signature check is.
 */
function issuerFailure(
  path: readonly Certificate[],
  candidate: Candidate,
  ctx: PathContext,
): MaybePromise<VerifyFailure | undefined> {
  const spent = ctx.budget.candidate();
  if (spent) return failure(spent, -1);
  const child = path[path.length - 1]!;
  const issuer = candidate.cert;
  const index = path.length;
  const own = depthProblem(path, ctx.maxDepth) ?? issuerStateProblem(candidate, path, ctx);
  if (own) return failure(own, index);
  const algorithm = signatureAlgorithmProblem(child.signatureAlgorithm, issuer.publicKey);
  if (algorithm) return failure(algorithm, index - 1);
  const signature = signatureFailure(child, issuer, index - 1, ctx);
  if (signature instanceof Promise) {
    return signature.then((bad) => bad ?? signedIssuerFailure(path, issuer, index, ctx));
  }
  return signature ?? signedIssuerFailure(path, issuer, index, ctx);
}

/** The checks of an issuer that come after its signature on the last certificate of `path` verified. */
function signedIssuerFailure(
  path: readonly Certificate[],
  issuer: Certificate,
  index: number,
  ctx: PathContext,
): MaybePromise<VerifyFailure | undefined> {
  return (
    nameConstraintFailure(path, issuer, ctx) ??
    (ctx.strict && mayNameAnotherKey(issuer) ? rootKeyIdFailure(issuer, index, ctx) : undefined)
  );
}

/** Counts the intermediates of `path` (everything but the leaf): self-issued and others. */
function intermediates(path: readonly Certificate[]): { selfIssued: number; other: number } {
  let selfIssued = 0;
  for (let i = 1; i < path.length; i++) if (path[i]!.selfIssued) selfIssued++;
  return { selfIssued, other: path.length - 1 - selfIssued };
}

function depthProblem(path: readonly Certificate[], maxDepth: number): Problem | undefined {
  const { selfIssued, other } = intermediates(path);
  if (other <= maxDepth && selfIssued <= maxDepth) return undefined;
  return problem('DEPTH_EXCEEDED', `more than ${maxDepth} intermediate certificates`);
}

/** The checks of a candidate issuer that need no signature. */
function issuerStateProblem(
  candidate: Candidate,
  path: readonly Certificate[],
  ctx: PathContext,
): Problem | undefined {
  const issuer = candidate.cert;
  return (
    validityProblem(issuer, ctx.at) ??
    caProblem(issuer, candidate.anchor, ctx.strict) ??
    pathLenProblem(issuer, ctx.strict ? intermediates(path).other : path.length - 1) ??
    caUsageProblem(issuer, ctx.usage)
  );
}

/**
 * Whether `below` intermediates under `issuer` break its pathLenConstraint. Under the strict profile,
 * RFC 5280 §4.2.1.9's count leaves self-issued intermediates out; by default every intermediate counts,
 * as Go and rustls-webpki count them.
 */
function pathLenProblem(issuer: Certificate, below: number): Problem | undefined {
  const pathLen = issuer.basicConstraints?.pathLen;
  if (pathLen === undefined || below <= pathLen) return undefined;
  return problem(
    'PATH_LEN_EXCEEDED',
    `pathLenConstraint ${pathLen} allows fewer intermediates than the ${below} below`,
  );
}

/** A CA's extKeyUsage, when present, restricts what it may issue for (as Go and pyca/cryptography do). */
function caUsageProblem(issuer: Certificate, usage: Usage): Problem | undefined {
  const wanted = USAGE_OID[usage];
  const ekus = issuer.extKeyUsage;
  if (
    wanted === undefined ||
    ekus === undefined ||
    ekus.includes(wanted) ||
    ekus.includes(OID.anyExtendedKeyUsage)
  ) {
    return undefined;
  }
  return problem('EXT_KEY_USAGE', `CA extKeyUsage does not allow ${usage} certificates`);
}

/** Awaits only when the signature check has to (remembered answers stay synchronous). */
function signatureFailure(
  child: Certificate,
  issuer: Certificate,
  childIndex: number,
  ctx: PathContext,
): MaybePromise<VerifyFailure | undefined> {
  const spent = ctx.budget.signature();
  if (spent) return failure(spent, -1);
  const verified = ctx.checkSignature(child, issuer);
  if (typeof verified === 'boolean') return badSignature(verified, child, issuer, childIndex);
  return Promise.resolve(verified).then((ok) => badSignature(ok, child, issuer, childIndex));
}

/**
 * The failure of a signature that did not verify: `BAD_SIGNATURE`, unless the key identifiers say that
 * `issuer` is another CA of the same name (its subjectKeyIdentifier is not the child's
 * authorityKeyIdentifier), which makes the issuer unknown, as Go reports it: an anchor rotated under the
 * same name is told apart from tampering. Only the code differs; either way the path fails.
 */
function badSignature(
  verified: boolean,
  child: Certificate,
  issuer: Certificate,
  childIndex: number,
): VerifyFailure | undefined {
  if (verified) return undefined;
  const name = formatName(issuer.subject);
  const aki = child.authorityKeyId;
  const ski = issuer.subjectKeyId;
  if (aki !== undefined && ski !== undefined && !sameBytes(aki, ski)) {
    return failure(
      problem(
        'UNKNOWN_ISSUER',
        `"${name}" is a CA of that name with another key; no key that signed this is trusted`,
      ),
      childIndex,
    );
  }
  return failure(problem('BAD_SIGNATURE', `signature does not verify with the key of "${name}"`), childIndex);
}

/**
 * `issuer`'s name constraints against every certificate below it that they apply to: the leaf and the
 * intermediates that are not self-issued (RFC 5280 §4.2.1.10).
 */
function nameConstraintFailure(
  path: readonly Certificate[],
  issuer: Certificate,
  ctx: PathContext,
): VerifyFailure | undefined {
  const nc = issuer.nameConstraints;
  if (!nc) return undefined;
  for (let i = 0; i < path.length; i++) {
    const cert = path[i]!;
    if (i > 0 && cert.selfIssued) continue;
    const found = nameConstraintsProblem(nc, constrainedNames(cert), ctx.budget, ctx.strict);
    if (found) return failure(found, found.code === 'BUDGET_EXCEEDED' ? -1 : i);
  }
  return undefined;
}

/**
 * A self-signed CA's authorityKeyIdentifier, when present, must name its own key (CA/B Forum BR
 * 7.1.2.1.3). Only a self-issued issuer whose identifiers differ needs the signature check that tells
 * "self-signed" from "re-keyed under the same name".
 */
async function rootKeyIdFailure(
  issuer: Certificate,
  index: number,
  ctx: PathContext,
): Promise<VerifyFailure | undefined> {
  if (!mayNameAnotherKey(issuer)) return undefined;
  if (signatureAlgorithmProblem(issuer.signatureAlgorithm, issuer.publicKey)) return undefined;
  const spent = ctx.budget.signature();
  if (spent) return failure(spent, -1);
  if (!(await ctx.checkSignature(issuer, issuer))) return undefined;
  return failure(
    problem('PROFILE_VIOLATION', 'self-signed CA whose authorityKeyIdentifier is not its own key'),
    index,
  );
}

/** Whether `issuer` is self-issued with an authorityKeyIdentifier other than its subjectKeyIdentifier. */
function mayNameAnotherKey(issuer: Certificate): boolean {
  const { authorityKeyId, subjectKeyId } = issuer;
  return issuer.selfIssued && !!authorityKeyId && !!subjectKeyId && !sameBytes(authorityKeyId, subjectKeyId);
}

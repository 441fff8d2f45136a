/**
 * Every export of the package, called the way a JavaScript caller without types can call it: no
 * argument, `undefined`, `null`, wrong primitives, symbols, functions, objects that imitate the library's
 * own, and a Proxy that throws on every read, in each argument position and in each known option. Every
 * call must return (a value or an `ok: false` result), or throw or reject with a `PkiError` whose message
 * carries no key material; never a `TypeError`/`RangeError`, an unhandled rejection or a hang.
 *
 * The table is built from the module's real exports: an export the table does not classify fails the
 * test, so a new export is covered from the day it appears.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../src';
import { IDENTITY, NOW, SPIFFE_ID } from './helpers/pki';

/** The package's only entry point is `.` (package.json "exports"; the node build re-exports `src/index.ts`). */
const ENTRIES = { '.': lib } as const;

/** What a caller gets back from the fixtures built once in `beforeAll`. */
interface Fx {
  key: lib.PrivateKey;
  keyPem: string;
  anchor: lib.CertificateAuthority;
  anchorKeyPem: string;
  issuer: lib.Issuer;
  issuerKeyPem: string;
  bundlePem: string;
  csrDer: Uint8Array;
  csr: lib.CertificateRequest;
  leaf: lib.IssuedLeaf;
  checks: lib.CheckResult[];
  rotation: lib.AnchorRotationPlan;
  plan: lib.HierarchyPlan;
  spiffeId: lib.SpiffeId;
  signature: Uint8Array;
}

/** One way to misuse an export: how it is called. */
type Spec =
  | { readonly skip: string }
  | {
      /** Valid arguments; each position is then replaced by every bad value. */
      readonly args: (fx: Fx) => unknown[];
      /** Index of an options object among `args` whose every key is then replaced by every bad value. */
      readonly options?: number;
      /** Known optional keys not present in the valid options object. */
      readonly optionalKeys?: readonly string[];
      /** Runs after every call (restores global state). */
      readonly after?: () => void;
    }
  | {
      /** A class: `new` with valid arguments, then each position replaced. */
      readonly construct: (fx: Fx) => unknown[];
      readonly options?: number;
      readonly optionalKeys?: readonly string[];
      /** Public methods of an instance built with valid arguments, with their valid arguments. */
      readonly methods: Record<string, (fx: Fx) => unknown[]>;
    };

/** Every export, classified. */
const TABLE: Record<string, Spec> = {
  // Constants and enums: no code runs.
  ERROR_CODES: { skip: 'constant: a frozen list of codes' },
  VERIFY_FAILURE_CODES: { skip: 'constant: a list of codes' },
  DEFAULT_ANCHOR_COMMON_NAME: { skip: 'constant string' },
  DEFAULT_ANCHOR_LIFETIME_MS: { skip: 'constant number' },
  DEFAULT_CLOCK_SKEW_MS: { skip: 'constant number' },
  DEFAULT_ISSUER_COMMON_NAME: { skip: 'constant string' },
  DEFAULT_ISSUER_LIFETIME_MS: { skip: 'constant number' },
  DEFAULT_LEAF_LIFETIME_MS: { skip: 'constant number' },
  DEFAULT_MAX_CACHE_ENTRIES: { skip: 'constant number' },
  DEFAULT_MAX_DEPTH: { skip: 'constant number' },
  DEFAULT_SPIFFE_TRUST_DOMAIN: { skip: 'constant string' },
  HINT_BASE_URL: { skip: 'constant string' },
  MAX_BUNDLE_CERTIFICATES: { skip: 'constant number' },
  MAX_CERTIFICATE_SIZE: { skip: 'constant number' },
  MAX_CSR_SIZE: { skip: 'constant number' },
  MAX_INTERMEDIATES: { skip: 'constant number' },
  MAX_KEY_SIZE: { skip: 'constant number' },
  MAX_PEM_LENGTH: { skip: 'constant number' },
  CERT_MANAGER_DEFAULT_DURATION_MS: { skip: 'constant number' },
  CERT_MANAGER_MIN_DURATION_MS: { skip: 'constant number' },
  CERT_MANAGER_MIN_RENEW_BEFORE_MS: { skip: 'constant number' },
  PROXY_REFRESH_MAX_MS: { skip: 'constant number' },
  PROXY_REFRESH_MIN_MS: { skip: 'constant number' },
  KeyUsage: { skip: 'enum: key usage bits' },
  OID: { skip: 'constant: a table of object identifiers' },

  // errors
  PkiError: { construct: () => ['ERR_DER', 'message'], methods: {} },
  isPkiError: { args: () => [new lib.PkiError('ERR_DER', 'x'), 'ERR_DER'] },

  // anchor
  createTrustAnchor: {
    args: (fx) => [
      {
        key: fx.key,
        commonName: 'root.linkerd.cluster.local',
        lifetime: 86_400_000,
        pathLen: 1,
        clockSkew: 0,
        now: NOW,
        serial: 1n,
        random: (n: number) => new Uint8Array(n).fill(1),
      },
    ],
    options: 0,
  },
  EXPIRY_WARNING_WINDOW_MS: { skip: 'constant number' },
  MAX_PBKDF2_ITERATIONS: { skip: 'constant number' },
  MAX_SCRYPT_MEMORY: { skip: 'constant number' },
  addToBundle: {
    args: (fx) => [{ bundle: fx.bundlePem, add: [fx.issuer.certificate], now: NOW }],
    options: 0,
  },
  removeFromBundle: {
    args: (fx) => [
      {
        bundle: [fx.anchor.certificate, fx.issuer.certificate],
        fingerprints: [lib.certificateFingerprint(fx.issuer.certificate)],
        now: NOW,
      },
    ],
    options: 0,
  },
  pruneBundle: { args: (fx) => [{ bundle: fx.bundlePem, now: NOW }], options: 0 },
  diffBundles: { args: (fx) => [{ a: fx.bundlePem, b: [fx.anchor.der], now: NOW }], options: 0 },
  certificateFingerprint: { args: (fx) => [fx.anchor.certificate] },
  normalizeFingerprint: { args: (fx) => [lib.certificateFingerprint(fx.anchor.der)] },
  renewCertificate: {
    args: (fx) => [{ certificate: fx.issuer.certificate, signer: fx.anchor, now: NOW, lifetime: '24h' }],
    options: 0,
    optionalKeys: ['key', 'clockSkew', 'serial', 'random'],
  },
  needsRenewal: {
    args: (fx) => [{ certificate: fx.anchor.certificate, now: NOW, threshold: '30d' }],
    options: 0,
  },
  parseRenewalThreshold: { args: () => ['30d'] },
  defaultRenewalThreshold: { args: () => [365 * 86_400_000] },
  decryptPrivateKey: { args: (fx) => [fx.keyPem, { password: 'x' }], options: 1, optionalKeys: ['subtle'] },
  encryptPrivateKey: {
    args: (fx) => [fx.key, { password: 'x', iterations: 1000, kdf: 'pbkdf2', cipher: 'aes-128-cbc' }],
    options: 1,
    optionalKeys: ['scrypt', 'random', 'subtle'],
  },
  isEncryptedPrivateKey: { args: (fx) => [fx.keyPem] },
  trustManagerBundle: {
    args: () => [{ name: 'x', secretName: 'y', secretKey: 'tls.crt', previousSecretName: 'z' }],
    options: 0,
    optionalKeys: ['inLine'],
  },
  ISSUER_SECRET_SCHEMES: { skip: 'constant: a list of scheme names' },
  issuerSecretScheme: { args: () => [{ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls' }] },
  lintManifests: {
    args: () => [{ input: [{ name: 'a.yaml', text: 'kind: ConfigMap\n' }], now: NOW }],
    options: 0,
  },
  formatLintFinding: {
    args: () => [{ severity: 'error', code: 'X', object: 'Secret/x', field: 'data', message: 'm' }],
  },
  pemTextProblems: { args: (fx) => [fx.bundlePem] },
  // identity service (transport-free)
  CERTIFY_METHOD: { skip: 'constant string' },
  GRPC_STATUS: { skip: 'constant: a table of status codes' },
  LINKERD_TOKEN_AUDIENCE: { skip: 'constant string' },
  MAX_IDENTITY_MESSAGE_SIZE: { skip: 'constant number' },
  staticTokenAuthenticator: { args: () => [{ t: 'system:serviceaccount:shop:web' }] },
  certify: {
    args: (fx) => [
      {
        request: { identity: IDENTITY, token: new TextEncoder().encode('t'), csr: fx.csrDer },
        authenticator: lib.staticTokenAuthenticator({ t: 'system:serviceaccount:shop:web' }),
        issuer: fx.issuer,
        bundle: fx.bundlePem,
        now: NOW,
      },
    ],
    options: 0,
    optionalKeys: ['settings'],
  },
  encodeCertifyRequest: {
    args: (fx) => [{ identity: IDENTITY, token: new TextEncoder().encode('t'), csr: fx.csrDer }],
  },
  decodeCertifyRequest: {
    args: (fx) => [
      lib.encodeCertifyRequest({ identity: IDENTITY, token: new TextEncoder().encode('t'), csr: fx.csrDer }),
    ],
  },
  encodeCertifyResponse: {
    args: (fx) => [
      {
        leafCertificate: fx.leaf.der,
        intermediateCertificates: [fx.issuer.certificate.der],
        validUntil: NOW,
      },
    ],
  },
  decodeCertifyResponse: {
    args: (fx) => [
      lib.encodeCertifyResponse({
        leafCertificate: fx.leaf.der,
        intermediateCertificates: [fx.issuer.certificate.der],
        validUntil: NOW,
      }),
    ],
  },
  parseBundle: { args: (fx) => [fx.bundlePem] },
  writeBundle: { args: (fx) => [[fx.anchor.certificate]] },

  // check
  checkDataPlaneAnchors: {
    args: (fx) => [{ proxyBundle: fx.bundlePem, bundle: fx.bundlePem, pod: 'web-0' }],
    options: 0,
  },
  checkIdentity: {
    args: (fx) => [
      {
        bundle: fx.bundlePem,
        issuer: { certificate: fx.issuer.pem, key: fx.issuerKeyPem },
        now: NOW,
        issuerName: null,
        stopOnFatal: true,
      },
    ],
    options: 0,
  },
  checksPassed: { args: (fx) => [fx.checks] },
  formatCheckResults: { args: (fx) => [fx.checks, { output: 'table' }], options: 1 },

  // crypto
  cryptoBackend: { args: () => [] },
  setCryptoBackend: { args: () => [undefined], after: () => lib.setCryptoBackend(backendInUse) },
  webCryptoBackend: { args: () => [globalThis.crypto.subtle] },
  derToRawSignature: { args: (fx) => [fx.signature, 32] },
  rawToDerSignature: { args: () => [new Uint8Array(64).fill(1)] },

  // csr
  createCsr: {
    args: (fx) => [{ key: fx.key, identity: IDENTITY, dnsNames: [IDENTITY], uris: [] }],
    options: 0,
  },
  parseCsr: { args: (fx) => [fx.csrDer] },
  summarizeSans: { args: (fx) => [fx.csr.subjectAltNames] },
  verifyCsr: { args: (fx) => [fx.csr] },

  // issuer
  createIssuer: {
    args: (fx) => [
      {
        anchor: fx.anchor,
        key: fx.key,
        commonName: 'identity.linkerd.cluster.local',
        lifetime: 86_400_000,
        pathLen: 0,
        clockSkew: 0,
        now: NOW,
        serial: () => 7n,
      },
    ],
    options: 0,
    optionalKeys: ['random'],
  },
  checkSigner: { args: (fx) => [{ issuer: fx.issuer, now: NOW }], options: 0 },
  loadIssuer: {
    args: (fx) => [{ certificate: fx.issuer.pem, key: fx.issuerKeyPem, chain: [fx.anchor.pem] }],
    options: 0,
  },

  // k8s
  certManagerIssuer: {
    args: () => [{ name: 'linkerd-trust-anchor', namespace: 'linkerd', secretName: 'linkerd-trust-anchor' }],
    options: 0,
  },
  certManagerCertificate: {
    args: () => [
      {
        name: 'linkerd-identity-issuer',
        namespace: 'linkerd',
        secretName: 'linkerd-identity-issuer',
        duration: '48h',
        renewBefore: '25h',
        issuerRef: { name: 'linkerd-trust-anchor', kind: 'Issuer' },
        commonName: 'identity.linkerd.cluster.local',
        dnsNames: ['identity.linkerd.cluster.local'],
        usages: ['cert sign', 'crl sign'],
      },
    ],
    options: 0,
    optionalKeys: ['renewBeforePercentage'],
  },
  issuerRotationManifests: {
    args: (fx) => [
      {
        anchor: { certificate: fx.anchor.pem, key: fx.anchorKeyPem },
        anchorName: 'linkerd-trust-anchor',
        namespace: 'linkerd',
        duration: '48h',
      },
    ],
    options: 0,
    optionalKeys: [
      'name',
      'secretName',
      'renewBefore',
      'renewBeforePercentage',
      'commonName',
      'dnsNames',
      'usages',
    ],
  },
  trustRootsConfigMap: {
    args: (fx) => [{ bundle: fx.bundlePem, namespace: 'linkerd', name: 'linkerd-identity-trust-roots' }],
    options: 0,
  },
  readTrustRootsConfigMap: { args: (fx) => [lib.trustRootsConfigMap({ bundle: fx.bundlePem })] },
  helmValues: {
    args: (fx) => [{ bundle: fx.bundlePem, issuer: { certificate: fx.issuer.pem, key: fx.issuerKeyPem } }],
    options: 0,
  },
  readHelmValues: {
    args: (fx) => [
      lib.helmValues({ bundle: fx.bundlePem, issuer: { certificate: fx.issuer.pem, key: fx.issuerKeyPem } }),
    ],
  },
  issuerSecret: {
    args: (fx) => [
      {
        issuer: { certificate: fx.issuer.pem, key: fx.issuerKeyPem },
        bundle: fx.bundlePem,
        namespace: 'linkerd',
        name: 'linkerd-identity-issuer',
      },
    ],
    options: 0,
  },
  readIssuerSecret: {
    args: (fx) => [
      lib.issuerSecret({
        issuer: { certificate: fx.issuer.pem, key: fx.issuerKeyPem },
        bundle: fx.bundlePem,
      }),
    ],
  },
  trustAnchorSecret: {
    args: (fx) => [
      {
        anchor: { certificate: fx.anchor.pem, key: fx.anchorKeyPem },
        namespace: 'linkerd',
        name: 'linkerd-trust-anchor',
      },
    ],
    options: 0,
  },
  readTrustAnchorSecret: {
    args: (fx) => [lib.trustAnchorSecret({ anchor: { certificate: fx.anchor.pem, key: fx.anchorKeyPem } })],
  },
  toYaml: { args: () => [{ apiVersion: 'v1', kind: 'ConfigMap' }] },
  fromYaml: { args: () => ['apiVersion: v1\nkind: ConfigMap\n'] },

  // keys
  PrivateKey: {
    construct: () => [new Uint8Array(32).fill(1)],
    methods: {
      exportPkcs8: () => [],
      exportPkcs8Pem: () => [],
      exportSec1: () => [],
      exportSec1Pem: () => [],
      exportJwk: () => [],
      sign: () => [new Uint8Array([1, 2, 3])],
      signDeterministic: () => [new Uint8Array([1, 2, 3])],
      toString: () => [],
      toJSON: () => [],
    },
  },
  PublicKey: {
    construct: (fx) => [fx.key.publicKey.point],
    methods: {
      equals: (fx) => [fx.key.publicKey],
      toPem: () => [],
      toJwk: () => [],
    },
  },
  generateKeyPair: { args: () => [{ random: (n: number) => new Uint8Array(n).fill(1) }], options: 0 },
  importPrivateKey: { args: (fx) => [fx.keyPem] },
  importPublicKey: { args: (fx) => [fx.key.publicKey.toPem()] },
  isP256: { args: (fx) => [fx.leaf.certificate.publicKey] },

  // leaf
  checkLinkerdCsr: { args: (fx) => [fx.csr, IDENTITY] },
  issueLeaf: {
    args: (fx) => [
      {
        issuer: fx.issuer,
        csr: fx.csrDer,
        identity: IDENTITY,
        lifetime: 3_600_000,
        clockSkew: 0,
        spiffe: true,
        now: NOW,
      },
    ],
    options: 0,
    optionalKeys: ['serial', 'random'],
  },
  issueLeafForKey: {
    args: (fx) => [
      {
        issuer: fx.issuer,
        publicKey: fx.key.publicKey,
        identity: IDENTITY,
        lifetime: 3_600_000,
        clockSkew: 0,
        spiffe: { trustDomain: 'example.org' },
        now: NOW,
      },
    ],
    options: 0,
    optionalKeys: ['serial', 'random'],
  },

  // pem
  base64Decode: { args: () => ['AQID'] },
  base64Encode: { args: () => [new Uint8Array([1, 2, 3])] },
  base64UrlDecode: { args: () => ['AQID'] },
  base64UrlEncode: { args: () => [new Uint8Array([1, 2, 3])] },
  decodePem: { args: (fx) => [fx.bundlePem] },
  decodePemBlock: { args: (fx) => [fx.anchor.pem, ['CERTIFICATE']] },
  encodePem: { args: () => ['CERTIFICATE', new Uint8Array([1, 2, 3])] },
  isPemText: { args: (fx) => [fx.anchor.pem] },

  // rotate
  formatRotationPlan: { args: (fx) => [fx.rotation] },
  planAnchorRotation: {
    args: (fx) => [
      {
        currentBundle: fx.bundlePem,
        newAnchor: fx.anchor.pem,
        newIssuer: fx.issuer,
        leafLifetime: 86_400_000,
        margin: 3_600_000,
        now: NOW,
      },
    ],
    options: 0,
  },
  rotateIssuer: {
    args: (fx) => [{ anchor: fx.anchor, current: fx.issuer, now: NOW }],
    options: 0,
    optionalKeys: ['key', 'commonName', 'lifetime', 'pathLen', 'clockSkew', 'serial', 'random'],
  },

  // schedule
  certManagerRenewalTime: {
    args: () => [{ notBefore: NOW, notAfter: new Date(NOW.getTime() + 86_400_000), renewBefore: 3_600_000 }],
    options: 0,
    optionalKeys: ['renewBeforePercentage'],
  },
  validateCertManagerSpec: {
    args: () => [{ duration: 86_400_000, renewBefore: 3_600_000 }],
    options: 0,
    optionalKeys: ['renewBeforePercentage'],
  },
  formatDuration: { args: () => [90_000] },
  parseDuration: { args: () => ['1h30m'] },
  formatPlan: { args: (fx) => [fx.plan] },
  planHierarchy: {
    args: (fx) => [
      {
        anchors: [times(fx.anchor.certificate)],
        issuer: times(fx.issuer.certificate),
        leafLifetime: 86_400_000,
        issuerRenewal: { renewBefore: 3_600_000 },
        now: NOW,
      },
    ],
    options: 0,
  },
  proxyRefreshDelay: {
    args: () => [{ notAfter: new Date(NOW.getTime() + 86_400_000), now: NOW, min: 1000, max: 86_400_000 }],
    options: 0,
  },

  // spiffe
  formatSpiffeId: { args: () => ['example.org', '/ns/a'] },
  isDns1123Label: { args: () => ['web'] },
  isDns1123Subdomain: { args: () => ['web.shop'] },
  isValidSpiffeId: { args: () => [SPIFFE_ID] },
  isValidTrustDomain: { args: () => ['example.org'] },
  linkerdIdentity: {
    args: () => [
      {
        serviceAccount: 'web',
        namespace: 'shop',
        controlPlaneNamespace: 'linkerd',
        trustDomain: 'cluster.local',
      },
    ],
    options: 0,
  },
  linkerdIdentityToSpiffeId: {
    args: () => [
      IDENTITY,
      {
        controlPlaneNamespace: 'linkerd',
        trustDomain: 'cluster.local',
        spiffeTrustDomain: 'identity.linkerd.cluster.local',
      },
    ],
    options: 1,
  },
  matchAny: { args: () => [] },
  matchId: { args: () => [SPIFFE_ID] },
  matchMemberOf: { args: () => ['identity.linkerd.cluster.local'] },
  matchOneOf: { args: () => [SPIFFE_ID, SPIFFE_ID] },
  parseLinkerdIdentity: {
    args: () => [IDENTITY, { controlPlaneNamespace: 'linkerd', trustDomain: 'cluster.local' }],
    options: 1,
  },
  parseServiceAccountUsername: { args: () => ['system:serviceaccount:shop:web'] },
  parseSpiffeId: { args: () => [SPIFFE_ID] },
  parseTrustDomain: { args: () => ['example.org'] },
  spiffeIdFromSegments: { args: () => ['example.org', 'ns', 'a'] },
  spiffeIdToLinkerdIdentity: {
    args: () => [
      SPIFFE_ID,
      {
        controlPlaneNamespace: 'linkerd',
        trustDomain: 'cluster.local',
        spiffeTrustDomain: 'identity.linkerd.cluster.local',
      },
    ],
    options: 1,
  },
  identityNameProblem: { args: () => [IDENTITY] },
  requireIdentityName: { args: () => [IDENTITY, 'identity'] },
  validatePath: { args: () => ['/ns/a'] },
  validatePathSegment: { args: () => ['ns'] },

  // verify
  TrustStore: {
    construct: (fx) => [[fx.anchor.certificate]],
    methods: { has: (fx) => [fx.anchor.certificate] },
  },
  MAX_TRUST_DOMAINS: { skip: 'constant number' },
  TrustBundleSet: {
    construct: (fx) => [{ 'identity.linkerd.cluster.local': fx.bundlePem }],
    methods: {
      get: () => ['identity.linkerd.cluster.local'],
      has: () => ['identity.linkerd.cluster.local'],
      with: (fx) => ['example.org', fx.bundlePem],
      without: () => ['identity.linkerd.cluster.local'],
      update: (fx) => [{ trustDomain: 'example.org', x509Authorities: [fx.bundlePem], sequence: 1 }],
    },
  },
  createTrustBundleSet: { args: (fx) => [new Map([['identity.linkerd.cluster.local', fx.bundlePem]])] },
  createTrustStore: { args: (fx) => [fx.bundlePem] },

  // spiffe-bundle
  BUNDLE_REFRESH_DEFAULT_MS: { skip: 'constant number' },
  BUNDLE_REFRESH_MAX_MS: { skip: 'constant number' },
  BUNDLE_REFRESH_MIN_MS: { skip: 'constant number' },
  MAX_SPIFFE_BUNDLE_KEYS: { skip: 'constant number' },
  MAX_SPIFFE_BUNDLE_LENGTH: { skip: 'constant number' },
  parseSpiffeBundle: { args: () => [{ trustDomain: 'example.org', document: '{"keys":[]}' }], options: 0 },
  writeSpiffeBundle: {
    args: (fx) => [{ bundle: fx.bundlePem, sequence: 1, refreshHint: '5m' }],
    options: 0,
    optionalKeys: ['jwtAuthorities', 'witAuthorities'],
  },
  spiffeBundleFromPem: {
    args: (fx) => [{ trustDomain: 'example.org', bundle: fx.bundlePem, sequence: 1, refreshHint: '5m' }],
    options: 0,
  },
  spiffeBundleToPem: {
    args: (fx) => [lib.spiffeBundleFromPem({ trustDomain: 'example.org', bundle: fx.bundlePem })],
  },
  createSpiffeBundleSet: { args: (fx) => [{ 'example.org': fx.bundlePem }] },
  bundleRefreshDelay: {
    args: () => [{ bundle: { refreshHint: 60_000 }, fallback: '5m', min: '10s', max: '24h' }],
    options: 0,
  },
  parseX509Svid: { args: (fx) => [{ certificates: fx.leaf.pem, key: fx.keyPem }], options: 0 },

  // timeline
  timelineSvg: { args: (fx) => [{ bundle: fx.bundlePem, now: NOW }], options: 0 },
  // An aborted signal and a fake timer: whichever option a case replaces, the other stops the loop.
  startRenewal: {
    args: (fx) => [
      {
        obtain: async () => fx.leaf,
        signal: AbortSignal.abort(),
        setTimeout: () => 0,
        clearTimeout: () => {},
      },
    ],
    options: 0,
  },
  Verifier: {
    construct: (fx) => [
      { bundle: fx.bundlePem, maxCacheEntries: 16, maxDepth: 4, budget: { signatures: 8 } },
    ],
    options: 0,
    methods: {
      verify: (fx) => [
        { leaf: fx.leaf.der, intermediates: fx.leaf.chain, at: NOW, usage: 'server', name: IDENTITY },
      ],
      clearCache: () => [],
    },
  },
  verifyChain: {
    args: (fx) => [
      {
        leaf: fx.leaf.der,
        intermediates: fx.leaf.chain,
        bundle: fx.bundlePem,
        at: NOW,
        usage: 'server',
        name: IDENTITY,
        maxDepth: 4,
        budget: { signatures: 8 },
      },
    ],
    options: 0,
  },
  verifyLinkerdPeer: {
    args: (fx) => [
      {
        leaf: fx.leaf.der,
        intermediates: fx.leaf.chain,
        bundle: fx.bundlePem,
        expectedIdentity: IDENTITY,
        at: NOW,
        usage: 'client',
      },
    ],
    options: 0,
  },
  verifySvid: {
    args: (fx) => [
      {
        leaf: fx.leaf.der,
        intermediates: fx.leaf.chain,
        bundle: fx.bundlePem,
        at: NOW,
        expectedId: SPIFFE_ID,
        maxDepth: 4,
        budget: { signatures: 8 },
      },
    ],
    options: 0,
  },

  // x509
  formatName: { args: (fx) => [fx.anchor.certificate.subject] },
  parseCertificate: { args: (fx) => [fx.anchor.der] },
};

/** A certificate's times as `planHierarchy` takes them. */
function times(cert: lib.Certificate): lib.CertTimes {
  return { subject: cert.subject.commonName ?? '', notBefore: cert.notBefore, notAfter: cert.notAfter };
}

/** A thrown value the test's Proxy raises on every read: the caller's own exception, which may propagate as is. */
class TrapError extends Error {}

/** Values a JavaScript caller can pass where the library expects something else. */
function badValues(fx: Fx): [string, () => unknown][] {
  const trap = () =>
    new Proxy(
      {},
      {
        get() {
          throw new TrapError('read of a trapped object');
        },
        has() {
          throw new TrapError('in on a trapped object');
        },
        ownKeys() {
          throw new TrapError('keys of a trapped object');
        },
        getPrototypeOf() {
          throw new TrapError('prototype of a trapped object');
        },
      },
    );
  return [
    ['undefined', () => undefined],
    ['null', () => null],
    ['{}', () => ({})],
    ['[]', () => []],
    ['0', () => 0],
    ['-1', () => -1],
    ['NaN', () => Number.NaN],
    ['Infinity', () => Number.POSITIVE_INFINITY],
    ['1n', () => 1n],
    ["''", () => ''],
    ["'x'", () => 'x'],
    ['true', () => true],
    ['Symbol()', () => Symbol('x')],
    ['a function', () => () => undefined],
    ['an invalid Date', () => new Date(Number.NaN)],
    ['Uint8Array(3)', () => new Uint8Array(3)],
    ['ArrayBuffer(3)', () => new ArrayBuffer(3)],
    ['[null]', () => [null]],
    ["['x']", () => ['x']],
    ['{ der: Uint8Array(3) }', () => ({ der: new Uint8Array(3) })],
    ["{ der: 'x' }", () => ({ der: 'x' })],
    [
      'a certificate with wrong types',
      () => ({
        der: 'x',
        subject: 1,
        issuer: null,
        publicKey: 'x',
        notBefore: 1,
        notAfter: 'x',
        sans: 'x',
        extensions: 1,
      }),
    ],
    ['a CA with wrong types', () => ({ certificate: {}, der: new Uint8Array(3), pem: 1, key: {} })],
    ['a PrivateKey without a key', () => Object.create(lib.PrivateKey.prototype)],
    ['a PublicKey without a key', () => Object.create(lib.PublicKey.prototype)],
    ['a fake key', () => ({ pkcs8: 'x', publicKey: { point: 'x', spki: 1, info: null } })],
    ['a real key in the wrong place', () => fx.key],
    ['a Proxy that throws on read', trap],
  ];
}

/** An options object with the right keys but values of a wrong type. */
function wrongTypes(valid: Record<string, unknown>, value: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.keys(valid).map((k) => [k, value]));
}

const HANG_GUARD_MS = 10_000;

type Outcome = { kind: 'ok' } | { kind: 'bad'; detail: string };

/** Runs `call` and judges how it ended. */
async function judge(call: () => unknown, secrets: readonly string[]): Promise<Outcome> {
  let settled: unknown;
  try {
    const value = call();
    if (value instanceof Promise) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hang = new Promise<'hang'>((resolve) => {
        timer = setTimeout(() => resolve('hang'), HANG_GUARD_MS);
      });
      try {
        settled = await Promise.race([value.then(() => 'resolved' as const), hang]);
      } finally {
        clearTimeout(timer);
      }
      if (settled === 'hang') return { kind: 'bad', detail: `did not settle within ${HANG_GUARD_MS} ms` };
    }
    return { kind: 'ok' };
  } catch (e) {
    if (e instanceof TrapError) return { kind: 'ok' };
    if (!lib.isPkiError(e)) {
      const name = e instanceof Error ? e.constructor.name : typeof e;
      return { kind: 'bad', detail: `threw ${name}: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (typeof e.code !== 'string' || !lib.ERROR_CODES.includes(e.code)) {
      return { kind: 'bad', detail: `PkiError with unknown code ${String(e.code)}` };
    }
    const text = `${e.message} ${String(e.stack)}`;
    if (/PRIVATE KEY-----/.test(text) || secrets.some((s) => text.includes(s))) {
      return { kind: 'bad', detail: `PkiError ${e.code} message carries key material` };
    }
    return { kind: 'ok' };
  }
}

/** One call of the table: a label and the thunk. */
interface Case {
  readonly label: string;
  readonly call: () => unknown;
}

function show(args: readonly string[]): string {
  return args.join(', ');
}

/** Every misuse of `fn` given its valid arguments. */
function argumentCases(
  name: string,
  valid: unknown[],
  invoke: (args: unknown[]) => unknown,
  fx: Fx,
  spec: { options?: number; optionalKeys?: readonly string[] },
): Case[] {
  const bad = badValues(fx);
  const validLabels = valid.map(() => '·');
  const cases: Case[] = [{ label: `${name}()`, call: () => invoke([]) }];
  const positions = Math.max(valid.length, 1);
  for (let i = 0; i < positions; i++) {
    for (const [label, make] of bad) {
      const labels = validLabels.slice();
      labels[i] = label;
      cases.push({
        label: `${name}(${show(labels)})`,
        call: () => {
          const args = valid.slice();
          args[i] = make();
          return invoke(args);
        },
      });
    }
  }
  if (spec.options !== undefined) {
    const at = spec.options;
    const base = valid[at] as Record<string, unknown>;
    const keys = [...Object.keys(base), ...(spec.optionalKeys ?? [])];
    for (const key of keys) {
      for (const [label, make] of bad) {
        const labels = validLabels.slice();
        labels[at] = `{ …, ${key}: ${label} }`;
        cases.push({
          label: `${name}(${show(labels)})`,
          call: () => {
            const args = valid.slice();
            args[at] = { ...base, [key]: make() };
            return invoke(args);
          },
        });
      }
    }
    for (const [label, value] of [
      ["'x'", 'x'],
      ['1', 1],
      ['{}', {}],
    ] as const) {
      const labels = validLabels.slice();
      labels[at] = `{ every key: ${label} }`;
      cases.push({
        label: `${name}(${show(labels)})`,
        call: () => {
          const args = valid.slice();
          args[at] = wrongTypes(base, value);
          return invoke(args);
        },
      });
    }
  }
  return cases;
}

/** Every case for one export (for a class: constructor, static methods, instance methods). */
function casesFor(name: string, value: unknown, spec: Spec, fx: Fx): Case[] {
  if ('skip' in spec) return [];
  if ('args' in spec) {
    const fn = value as (...args: unknown[]) => unknown;
    const after = spec.after;
    const invoke = (args: unknown[]) => {
      try {
        const out = fn(...args);
        return out instanceof Promise ? out.finally(() => after?.()) : out;
      } finally {
        after?.();
      }
    };
    return argumentCases(name, spec.args(fx), invoke, fx, spec);
  }
  const Ctor = value as new (...args: unknown[]) => object;
  const cases = argumentCases(`new ${name}`, spec.construct(fx), (args) => new Ctor(...args), fx, spec);
  const statics = Object.getOwnPropertyNames(Ctor).filter(
    (k) =>
      !['length', 'name', 'prototype'].includes(k) &&
      typeof (Ctor as unknown as Record<string, unknown>)[k] === 'function',
  );
  for (const s of statics) {
    if (!(`${name}.${s}` in STATIC_ARGS))
      throw new Error(`static ${name}.${s} is not classified in STATIC_ARGS`);
    const fn = (Ctor as unknown as Record<string, (...a: unknown[]) => unknown>)[s]!.bind(Ctor);
    cases.push(
      ...argumentCases(`${name}.${s}`, STATIC_ARGS[`${name}.${s}`]!(fx), (args) => fn(...args), fx, {}),
    );
  }
  const instance = new Ctor(...spec.construct(fx)) as Record<string, (...a: unknown[]) => unknown>;
  const methods = publicMethods(Ctor);
  const missing = methods.filter((m) => !(m in spec.methods));
  if (missing.length > 0) throw new Error(`methods of ${name} not classified: ${missing.join(', ')}`);
  const gone = Object.keys(spec.methods).filter((m) => !methods.includes(m));
  if (gone.length > 0) throw new Error(`${name} has no methods ${gone.join(', ')} any more`);
  for (const [m, args] of Object.entries(spec.methods)) {
    const valid = args(fx);
    // A method whose first argument is a plain object (`Verifier#verify`) takes options: each key is tried too.
    const first = valid[0];
    const options =
      typeof first === 'object' && first !== null && Object.getPrototypeOf(first) === Object.prototype
        ? { options: 0 }
        : {};
    cases.push(...argumentCases(`${name}#${m}`, valid, (a) => instance[m]!(...a), fx, options));
  }
  return cases;
}

/** Static methods of exported classes, with valid arguments. */
const STATIC_ARGS: Record<string, (fx: Fx) => unknown[]> = {};

/** Public methods on a class's prototype chain (not getters, not Object's). */
function publicMethods(Ctor: new (...args: unknown[]) => object): string[] {
  const names = new Set<string>();
  for (
    let p = Ctor.prototype;
    p && p !== Object.prototype && p !== Error.prototype;
    p = Object.getPrototypeOf(p)
  ) {
    for (const k of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, k);
      if (k !== 'constructor' && d && typeof d.value === 'function') names.add(k);
    }
  }
  return [...names].sort();
}

/**
 * Functions the library hands out inside its results, called the same way: SPIFFE ID matchers and the
 * `check` of each anchor rotation step.
 */
const RETURNED: Record<
  string,
  {
    readonly fn: (fx: Fx) => (...args: unknown[]) => unknown;
    readonly args: (fx: Fx) => unknown[];
    readonly options?: number;
  }
> = {
  'matchAny()(id)': { fn: () => lib.matchAny() as never, args: () => [SPIFFE_ID] },
  'matchId(id)(id)': { fn: () => lib.matchId(SPIFFE_ID) as never, args: (fx) => [fx.spiffeId] },
  'matchOneOf(…)(id)': { fn: () => lib.matchOneOf(SPIFFE_ID) as never, args: () => [SPIFFE_ID] },
  'matchMemberOf(td)(id)': {
    fn: () => lib.matchMemberOf('identity.linkerd.cluster.local') as never,
    args: () => [SPIFFE_ID],
  },
  ...Object.fromEntries(
    [0, 1, 2].map((i) => [
      `planAnchorRotation().steps[${i}].check`,
      {
        fn: (fx: Fx) => fx.rotation.steps[i]!.check as never,
        args: (fx: Fx) => [{ leaves: [fx.leaf], issuers: [fx.issuer, fx.issuer.pem], at: NOW }],
        options: 0,
      },
    ]),
  ),
};

/**
 * Exports that still fail some misuse, with the file where the guard belongs. Each runs as `it.fails`:
 * once its guard lands the `it.fails` fails, and the entry is removed here.
 */
const EXPECTED_FAILURES: Record<string, string> = {};

let fx: Fx;
/** The crypto backend the current pass runs on (`setCryptoBackend` cases put it back after each call). */
let backendInUse: lib.CryptoBackend | undefined;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  const key = await lib.generateKeyPair();
  const anchor = await lib.createTrustAnchor({ now: NOW });
  const issuer = await lib.createIssuer({ anchor, now: NOW });
  const csr = await lib.createCsr({ key, identity: IDENTITY });
  const leaf = await lib.issueLeaf({ issuer, csr: csr.der, identity: IDENTITY, now: NOW });
  const bundlePem = lib.writeBundle([anchor.certificate]);
  const issuerKeyPem = issuer.key.exportPkcs8Pem();
  const checks = await lib.checkIdentity({
    bundle: bundlePem,
    issuer: { certificate: issuer.pem, key: issuerKeyPem },
    now: NOW,
  });
  const newAnchor = await lib.createTrustAnchor({ now: NOW, commonName: 'root-2.linkerd.cluster.local' });
  fx = {
    key,
    keyPem: key.exportPkcs8Pem(),
    anchor,
    anchorKeyPem: anchor.key.exportPkcs8Pem(),
    issuer,
    issuerKeyPem,
    bundlePem,
    csrDer: csr.der,
    csr: lib.parseCsr(csr.der),
    leaf,
    checks,
    rotation: lib.planAnchorRotation({ currentBundle: bundlePem, newAnchor, margin: 3_600_000, now: NOW }),
    plan: lib.planHierarchy({
      anchors: [times(anchor.certificate)],
      issuer: times(issuer.certificate),
      now: NOW,
    }),
    spiffeId: lib.parseSpiffeId(SPIFFE_ID),
    signature: await key.sign(new Uint8Array([1, 2, 3])),
  };
});

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  lib.setCryptoBackend(undefined);
});

/** Texts that must never appear in an error: the fixtures' private keys in every form. */
function secretsOf(f: Fx): string[] {
  const out: string[] = [];
  for (const k of [f.key, f.anchor.key, f.issuer.key]) {
    const pem = k.exportPkcs8Pem();
    const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
    out.push(...body.filter((l) => l.length >= 16), k.exportJwk().d);
  }
  return out;
}

/** Runs every case and returns how the bad ones ended. */
async function badOutcomes(cases: readonly Case[]): Promise<string[]> {
  const secrets = secretsOf(fx);
  const failures: string[] = [];
  for (const c of cases) {
    const outcome = await judge(c.call, secrets);
    if (outcome.kind === 'bad') failures.push(`${c.label}: ${outcome.detail}`);
  }
  return failures;
}

describe('every export is classified', () => {
  for (const [entry, mod] of Object.entries(ENTRIES)) {
    it(`entry ${entry}: the table covers exactly the exports`, () => {
      const exported = Object.keys(mod).sort();
      expect(exported.filter((k) => !(k in TABLE))).toEqual([]);
      expect(Object.keys(TABLE).filter((k) => !(k in mod))).toEqual([]);
    });
  }

  it('skips only values that are not functions, each with a reason', () => {
    const skipped = Object.entries(TABLE).filter(([, s]) => 'skip' in s);
    for (const [name, spec] of skipped) {
      expect(typeof (lib as Record<string, unknown>)[name], `${name} is skipped as a non-function`).not.toBe(
        'function',
      );
      expect((spec as { skip: string }).skip.length).toBeGreaterThan(0);
    }
    const covered = Object.entries(TABLE)
      .filter(([, s]) => !('skip' in s))
      .map(([k]) => k);
    for (const name of covered) expect(typeof (lib as Record<string, unknown>)[name]).toBe('function');
    // The list of what the table covers, for the record.
    expect(covered.length).toBeGreaterThan(80);
  });

  it('lists no expected failure for an export it does not cover', () => {
    for (const name of Object.keys(EXPECTED_FAILURES)) expect(TABLE[name], name).not.toHaveProperty('skip');
  });
});

const BACKENDS: readonly [string, () => lib.CryptoBackend | undefined][] = [
  ['the default backend', () => undefined],
  ['WebCrypto', () => lib.webCryptoBackend(globalThis.crypto.subtle)],
];

for (const [backendName, backend] of BACKENDS) {
  describe(`misuse ends in a value or a PkiError (${backendName})`, () => {
    beforeAll(() => {
      backendInUse = backend();
      lib.setCryptoBackend(backendInUse);
    });
    afterAll(() => {
      backendInUse = undefined;
      lib.setCryptoBackend(undefined);
    });

    for (const [name, spec] of Object.entries(TABLE)) {
      if ('skip' in spec) continue;
      const run = name in EXPECTED_FAILURES ? it.fails : it;
      run(name, async () => {
        const value = (lib as Record<string, unknown>)[name];
        expect(await badOutcomes(casesFor(name, value, spec, fx))).toEqual([]);
      });
    }

    for (const [name, r] of Object.entries(RETURNED)) {
      it(name, async () => {
        const fn = r.fn(fx);
        const spec = r.options === undefined ? {} : { options: r.options };
        expect(await badOutcomes(argumentCases(name, r.args(fx), (args) => fn(...args), fx, spec))).toEqual(
          [],
        );
      });
    }

    it('left no unhandled rejection behind', async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(
        unhandled.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))).join('\n'),
      ).toBe('');
    });
  });
}

/** The code a call throws or rejects with: a PkiError's code, or a description of anything else. */
async function codeOf(call: () => unknown): Promise<string | undefined> {
  try {
    await call();
    return undefined;
  } catch (e) {
    return lib.isPkiError(e) ? e.code : `not a PkiError: ${String(e)}`;
  }
}

describe('wrong argument types are ERR_INVALID_ARGUMENT', () => {
  const fake = () => Object.create(lib.PrivateKey.prototype) as lib.PrivateKey;
  const cases: [string, (f: Fx) => unknown][] = [
    ['createTrustAnchor(null)', () => lib.createTrustAnchor(null as never)],
    ['createTrustAnchor({ key: a PrivateKey without a key })', () => lib.createTrustAnchor({ key: fake() })],
    ['createTrustAnchor({ now: a number })', () => lib.createTrustAnchor({ now: 0 as never })],
    ['createTrustAnchor({ commonName: 1 })', () => lib.createTrustAnchor({ commonName: 1 as never })],
    ['createIssuer(undefined)', () => lib.createIssuer(undefined as never)],
    [
      'createIssuer({ anchor: { der } })',
      (f) => lib.createIssuer({ anchor: { der: f.anchor.der } as never }),
    ],
    [
      'createIssuer({ anchor: a fake key })',
      (f) => lib.createIssuer({ anchor: { ...f.anchor, key: fake() } }),
    ],
    ['createIssuer({ random: "x" })', (f) => lib.createIssuer({ anchor: f.anchor, random: 'x' as never })],
    [
      'rotateIssuer({ current: { der: 1 } })',
      (f) => lib.rotateIssuer({ anchor: f.anchor, current: { der: 1 } as never }),
    ],
    [
      'checkSigner({ issuer: { certificate: { der: 1 }, key } })',
      (f) => lib.checkSigner({ issuer: { certificate: { der: 1 } as never, key: f.anchor.key } }),
    ],
    ['loadIssuer(null)', () => lib.loadIssuer(null as never)],
    ['writeBundle("x")', () => lib.writeBundle('x' as never)],
    ['writeBundle([{ der: "x" }])', () => lib.writeBundle([{ der: 'x' }] as never)],
    ['new PrivateKey(undefined)', () => new lib.PrivateKey(undefined as never)],
    ['new PublicKey([])', () => new lib.PublicKey([] as never)],
    ['key.sign("x")', (f) => f.key.sign('x' as never)],
    ['publicKey.equals(null)', (f) => f.key.publicKey.equals(null as never)],
    ['generateKeyPair({ random: 1 })', () => lib.generateKeyPair({ random: 1 as never })],
    ['isP256(undefined)', () => lib.isP256(undefined as never)],
    ['base64Encode("x")', () => lib.base64Encode('x' as never)],
    ['base64UrlDecode(["x"])', () => lib.base64UrlDecode(['x'] as never)],
    ['encodePem("CERTIFICATE", "x")', () => lib.encodePem('CERTIFICATE', 'x' as never)],
    ['decodePemBlock(pem, "CERTIFICATE")', (f) => lib.decodePemBlock(f.anchor.pem, 'CERTIFICATE' as never)],
    ['rawToDerSignature("x")', () => lib.rawToDerSignature('x' as never)],
    ['setCryptoBackend({})', () => lib.setCryptoBackend({} as never)],
    ['webCryptoBackend(undefined)', () => lib.webCryptoBackend(undefined as never)],
    ['checksPassed([{}])', () => lib.checksPassed([{}] as never)],
    [
      'formatCheckResults(results, { output: 1n })',
      (f) => lib.formatCheckResults(f.checks, { output: 1n as never }),
    ],
    [
      'checkIdentity({ …, issuerName: 1 })',
      (f) =>
        lib.checkIdentity({
          bundle: f.bundlePem,
          issuer: { certificate: f.issuer.pem, key: f.issuerKeyPem },
          issuerName: 1 as never,
        }),
    ],
    ['checkDataPlaneAnchors(undefined)', () => lib.checkDataPlaneAnchors(undefined as never)],
    ['certManagerIssuer({ name: 1n })', () => lib.certManagerIssuer({ name: 1n as never })],
    [
      'certManagerCertificate({ dnsNames: "x" })',
      () => lib.certManagerCertificate({ dnsNames: 'x' as never }),
    ],
    ['issuerSecret(null)', () => lib.issuerSecret(null as never)],
    ['helmValues(undefined)', () => lib.helmValues(undefined as never)],
    ['toYaml({ a: Symbol() })', () => lib.toYaml({ a: Symbol('a') })],
    ['toYaml(() => 1)', () => lib.toYaml((() => 1) as never)],
    [
      'planHierarchy({ anchors: "x", … })',
      (f) => lib.planHierarchy({ anchors: 'x' as never, issuer: times(f.issuer.certificate), now: NOW }),
    ],
    ['formatPlan({})', () => lib.formatPlan({} as never)],
    ['certManagerRenewalTime(null)', () => lib.certManagerRenewalTime(null as never)],
    ['proxyRefreshDelay(null)', () => lib.proxyRefreshDelay(null as never)],
    [
      'planAnchorRotation({ newAnchor: 1, … })',
      (f) =>
        lib.planAnchorRotation({ currentBundle: f.bundlePem, newAnchor: 1 as never, margin: 0, now: NOW }),
    ],
    ['formatRotationPlan({ oldAnchors: [] })', () => lib.formatRotationPlan({ oldAnchors: [] } as never)],
    ['matchId(null)', () => lib.matchId(null as never)],
    ['formatName({ rdns: [[null]] })', () => lib.formatName({ rdns: [[null]] } as never)],
  ];
  it.each(cases)('%s', async (_label, call) => {
    expect(await codeOf(() => call(fx))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('leaves the crypto backend as it was after a refused one', () => {
    const before = lib.cryptoBackend();
    expect(() => lib.setCryptoBackend({ name: 'x' } as never)).toThrow(lib.PkiError);
    expect(lib.cryptoBackend()).toBe(before);
  });

  it('answers false, not an error, when isPemText is given something other than text', () => {
    expect(lib.isPemText(1 as never)).toBe(false);
    expect(lib.isPemText(undefined as never)).toBe(false);
  });

  it('names the kind of value received, never the value itself', async () => {
    const keyPem = fx.keyPem;
    const e = await lib.createTrustAnchor({ commonName: { keyPem } as never }).catch((err: unknown) => err);
    expect(lib.isPkiError(e, 'ERR_INVALID_ARGUMENT')).toBe(true);
    expect((e as Error).message).toBe('`commonName` must be a string, got an object');
  });
});

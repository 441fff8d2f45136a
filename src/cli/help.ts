const EXIT_CODES = `Exit status:
  0  success (for verify: the chain is valid; for check: nothing fatal)
  1  invalid: verification failed, check found errors, or issuance was refused
  2  usage error, or input that cannot be read (missing, empty, a directory, not PEM/DER)`;

const FOOTER = `Durations are Go-style (24h, 90m, 1h30m); times are RFC 3339 (2026-01-01T00:00:00Z).
Errors are one line on stderr: "l5d-pki: <message> [ERR_CODE]".`;

/** The top-level help. */
export const MAIN_HELP = `l5d-pki: Linkerd's PKI from a terminal.

Usage: l5d-pki <command> [flags]

Commands:
  init        make a trust anchor and an issuer (ca.crt, ca.key, issuer.crt, issuer.key)
  csr         make a workload key and CSR, as the proxy does at start-up
  issue       sign a workload leaf from a CSR, as the identity service does
  verify      validate a leaf chain against a trust-anchor bundle, or an SVID against SPIFFE bundles
  check       linkerd check-style diagnostics for anchors and issuer
  inspect     summarize a certificate, bundle, CSR, key or SPIFFE bundle document
  schedule    proxy refresh and cert-manager renewal times, or a hierarchy plan
  rotate      rotate the issuer or the trust anchor
  manifests   Kubernetes YAML (secret, configmap, cert-manager, helm) or a SPIFFE bundle

Global flags:
  -h, --help     show help (also: l5d-pki <command> --help, l5d-pki help <command>)
  --version      print the version

${EXIT_CODES}

${FOOTER}
`;

const HELP: Readonly<Record<string, string>> = {
  init: `Usage: l5d-pki init [flags]

Makes a self-signed trust anchor (CN root.linkerd.<trust-domain>) and an issuer under it
(CN identity.linkerd.<trust-domain>), writes them as PEM, and prints the linkerd install line.
Existing files are never replaced without --force; keys are written with mode 0600.

Flags:
  --out DIR                 output directory, created if needed (default: .)
  --trust-domain DOMAIN     Linkerd's trust domain (default: cluster.local)
  --anchor-lifetime DUR     trust anchor lifetime (default: 87600h)
  --issuer-lifetime DUR     issuer lifetime (default: 8760h)
  --force                   overwrite existing files
  --json                    print a JSON summary instead of text
  -h, --help                show this help

Writes: ca.crt, ca.key, issuer.crt, issuer.key

${EXIT_CODES}
`,
  csr: `Usage: l5d-pki csr --identity NAME [flags]

Makes an ECDSA P-256 key and a PKCS#10 CSR for NAME (CN and one DNS SAN), as the Linkerd proxy does
at start-up.

Flags:
  --identity NAME    the workload identity, e.g. web.shop.serviceaccount.identity.linkerd.cluster.local
  --key-out FILE     the PKCS#8 DER key, mode 0600 (default: key.p8)
  --csr-out FILE     the DER CSR (default: csr.der)
  --force            overwrite existing files
  --json             print a JSON summary instead of text
  -h, --help         show this help

${EXIT_CODES}
`,
  issue: `Usage: l5d-pki issue --issuer-cert FILE --issuer-key FILE --csr FILE --identity NAME [flags]

Checks the CSR as Linkerd's identity service does (one DNS SAN equal to NAME, a P-256 key, a valid
signature) and signs a workload leaf: CN and DNS SAN NAME, a SPIFFE URI SAN, serverAuth+clientAuth.

Flags:
  --issuer-cert FILE          issuer certificate PEM (more certificates after it form its chain)
  --issuer-key FILE           issuer private key (PKCS#8 or SEC1, PEM or DER)
  --csr FILE                  the workload CSR (DER or PEM)
  --identity NAME             the identity the leaf is for
  --lifetime DUR              leaf lifetime (default: 24h)
  --no-spiffe                 no SPIFFE URI SAN (exactly what Linkerd issues)
  --trust-domain DOMAIN       require NAME to be in this Linkerd trust domain (e.g. cluster.local)
  --spiffe-trust-domain TD    trust domain of the SPIFFE ID (default: from NAME, identity.linkerd.<domain>)
  --out FILE                  the leaf PEM (default: leaf.crt)
  --chain-out FILE            also write the leaf followed by its issuer chain (PEM)
  --count N                   issue N leaves from the CSR and write the last (a load test)
  --force                     overwrite existing files
  --json                      print a JSON summary instead of text
  -h, --help                  show this help

${EXIT_CODES}
`,
  verify: `Usage: l5d-pki verify --bundle FILE --chain FILE [flags]
       l5d-pki verify --chain FILE --spiffe-bundle TD=FILE [--spiffe-bundle TD=FILE ...] [flags]

Validates a leaf and its intermediates against a bundle of trust anchors: signatures, validity at
the given time, CA constraints, key usage, and optionally the expected identity. With --spiffe-bundle,
the chain is an X509-SVID, verified only against the bundle of its own SPIFFE ID's trust domain.

Flags:
  --bundle FILE     trust anchors (PEM; several during an anchor rotation)
  --chain FILE      the leaf first, then its intermediates (PEM), e.g. what issue --chain-out writes
  --identity NAME   require this DNS identity in the leaf
  --spiffe ID       require this SPIFFE ID in the leaf (exclusive with --identity)
  --at TIME         validate at this time instead of now
  --usage ROLE      any (default), server or client: require that extended key usage
  --spiffe-bundle TD=FILE
                    the bundle of trust domain TD: a SPIFFE bundle document (JSON) or PEM anchors;
                    repeat for each federated trust domain (exclusive with --bundle and --identity)
  --json            print the result as JSON
  -h, --help        show this help

Exit status: 0 valid, 1 invalid (the reason is one line on stderr), 2 usage or unreadable input.
`,
  check: `Usage: l5d-pki check --anchors FILE --issuer-cert FILE --issuer-key FILE [flags]

Runs linkerd check's identity checks on local files: √ passed, ‼ warning, × error.

Flags:
  --anchors FILE       trust anchors bundle (PEM)
  --issuer-cert FILE   issuer certificate (PEM)
  --issuer-key FILE    issuer private key
  --output FORMAT      table (default) or json
  --at TIME            check at this time instead of now
  -h, --help           show this help

Exit status: 0 nothing fatal (warnings allowed), 1 an error was found, 2 usage or unreadable input.
`,
  inspect: `Usage: l5d-pki inspect FILE [flags]

Summarizes a certificate, a bundle, a CSR or a key (PEM or DER; - reads stdin): subject, issuer,
serial, validity, SANs, CA and pathLen, key usages, key algorithm and fingerprints. For keys: the
algorithm and the SHA-256 of the public key; the private key itself is never printed. For a SPIFFE
bundle document (JSON): its X.509 authorities (subjects, SHA-256 fingerprints), JWT key ids, sequence
and refresh hint.

Flags:
  --json               print the summary as JSON
  --trust-domain TD    the trust domain a SPIFFE bundle document belongs to, to show and check
  -h, --help           show this help

${EXIT_CODES}
`,
  schedule: `Usage: l5d-pki schedule --cert FILE [flags]
       l5d-pki schedule --anchors FILE --issuer-cert FILE [flags]

With --cert: when a Linkerd proxy refreshes that certificate (70% of the time left, clamped to
10s..24h) and when cert-manager would renew it (renewBefore, or a third of its lifetime before expiry).
With --anchors and --issuer-cert: the timeline and warnings of the whole trust hierarchy.

Flags:
  --cert FILE                    a certificate (the first one of a PEM file)
  --anchors FILE                 trust anchors bundle, for a hierarchy plan
  --issuer-cert FILE             issuer certificate, for a hierarchy plan
  --renew-before DUR             cert-manager spec.renewBefore
  --renew-before-percentage N    cert-manager spec.renewBeforePercentage
  --leaf-lifetime DUR            leaf lifetime for the plan (default: 24h)
  --now TIME                     compute as of this time instead of now
  --svg FILE                     also draw the timeline (validity, renewals, gaps) as SVG in FILE
  --json                         print the result as JSON
  -h, --help                     show this help

${EXIT_CODES}
`,
  rotate: `Usage: l5d-pki rotate issuer --anchor-cert FILE --anchor-key FILE [flags]
       l5d-pki rotate anchor [flags]

issuer: sign a new issuer under the existing trust anchor.
anchor: make a new trust anchor and issuer, and a bundle trusting both the old and new anchors.

Run "l5d-pki rotate issuer --help" or "l5d-pki rotate anchor --help" for the flags.

${EXIT_CODES}
`,
  manifests: `Usage: l5d-pki manifests <secret|configmap|cert-manager|helm|spiffe-bundle> [flags]

Prints Kubernetes YAML (or a SPIFFE bundle document) to stdout.

  secret        the linkerd-identity-issuer Secret (--issuer-cert, --issuer-key, --anchors), or with
                --anchor-cert and --anchor-key the linkerd-trust-anchor Secret
  configmap     the linkerd-identity-trust-roots ConfigMap (--anchors)
  cert-manager  trust-anchor Secret, Issuer and Certificate for issuer rotation (--anchor-cert, --anchor-key)
  helm          Helm values for identity (--anchors, --issuer-cert, --issuer-key)
  spiffe-bundle the anchors as a SPIFFE bundle document, to federate with SPIRE (--anchors, --trust-domain)

Run "l5d-pki manifests <kind> --help" for the flags.

${EXIT_CODES}
`,
  'rotate issuer': `Usage: l5d-pki rotate issuer --anchor-cert FILE --anchor-key FILE [flags]

Signs a new issuer (new key, new validity) under the existing trust anchor and writes issuer.crt and
issuer.key. The trust bundle does not change: leaves of the old and new issuer both verify.

Flags:
  --anchor-cert FILE        trust anchor certificate (ca.crt)
  --anchor-key FILE         trust anchor private key (ca.key)
  --issuer-cert FILE        the current issuer: keep its CN, and refuse if another anchor signed it
  --out DIR                 output directory, created if needed (default: .)
  --issuer-lifetime DUR     new issuer lifetime (default: 8760h)
  --trust-domain DOMAIN     CN identity.linkerd.<domain> when --issuer-cert is not given (default: cluster.local)
  --force                   overwrite existing files
  --json                    print a JSON summary instead of text
  -h, --help                show this help

${EXIT_CODES}
`,
  'rotate anchor': `Usage: l5d-pki rotate anchor --bundle FILE [flags]

Makes a new trust anchor and an issuer under it, and plans the rotation without downtime:
1. install the combined bundle (old and new anchors) and restart the workloads;
2. switch the issuer Secret to the new issuer;
3. after one leaf lifetime and the margin, install the new anchor alone and restart again.

Writes: ca-bundle.crt (old + new anchors), ca.crt (new anchor alone), ca.key, issuer.crt, issuer.key

Flags:
  --bundle FILE             the trust bundle in force now (PEM)
  --out DIR                 output directory, created if needed (default: .)
  --trust-domain DOMAIN     Linkerd's trust domain (default: cluster.local)
  --anchor-lifetime DUR     new trust anchor lifetime (default: 87600h)
  --issuer-lifetime DUR     new issuer lifetime (default: 8760h)
  --leaf-lifetime DUR       workload leaf lifetime (default: 24h)
  --margin DUR              extra wait before dropping the old anchor (default: 1h)
  --now TIME                plan from this time instead of now
  --svg FILE                also draw the plan's steps on the anchors' timeline as SVG in FILE
  --force                   overwrite existing files
  --json                    print the plan as JSON
  -h, --help                show this help

${EXIT_CODES}
`,
  'manifests secret': `Usage: l5d-pki manifests secret --issuer-cert FILE --issuer-key FILE --anchors FILE [flags]
       l5d-pki manifests secret --anchor-cert FILE --anchor-key FILE [flags]

The kubernetes.io/tls Secret linkerd-identity-issuer (tls.crt, tls.key, ca.crt), or with
--anchor-cert/--anchor-key the Secret linkerd-trust-anchor that a cert-manager CA Issuer reads.

Flags:
  --issuer-cert FILE   issuer certificate PEM
  --issuer-key FILE    issuer private key
  --anchors FILE       trust anchors bundle (ca.crt)
  --anchor-cert FILE   trust anchor certificate
  --anchor-key FILE    trust anchor private key
  --namespace NS       namespace (default: linkerd)
  --name NAME          Secret name
  -h, --help           show this help

${EXIT_CODES}
`,
  'manifests configmap': `Usage: l5d-pki manifests configmap --anchors FILE [flags]

The ConfigMap linkerd-identity-trust-roots with ca-bundle.crt.

Flags:
  --anchors FILE   trust anchors bundle (PEM)
  --namespace NS   namespace (default: linkerd)
  --name NAME      ConfigMap name
  -h, --help       show this help

${EXIT_CODES}
`,
  'manifests cert-manager': `Usage: l5d-pki manifests cert-manager --anchor-cert FILE --anchor-key FILE [flags]

The trust-anchor Secret, a cert-manager CA Issuer reading it, and a Certificate that keeps the
linkerd-identity-issuer Secret renewed.

Flags:
  --anchor-cert FILE               trust anchor certificate
  --anchor-key FILE                trust anchor private key
  --duration DUR                   issuer lifetime (default: 48h)
  --renew-before DUR               renew this long before expiry (default: 25h)
  --renew-before-percentage N      renew when N% of the lifetime is left (instead of --renew-before)
  --trust-domain DOMAIN            issuer CN identity.linkerd.<domain> (default: cluster.local)
  --namespace NS                   namespace (default: linkerd)
  -h, --help                       show this help

${EXIT_CODES}
`,
  'manifests helm': `Usage: l5d-pki manifests helm --anchors FILE --issuer-cert FILE --issuer-key FILE

Helm values for the linkerd-control-plane chart: identityTrustAnchorsPEM and identity.issuer.tls.

Flags:
  --anchors FILE       trust anchors bundle (PEM)
  --issuer-cert FILE   issuer certificate PEM
  --issuer-key FILE    issuer private key
  -h, --help           show this help

${EXIT_CODES}
`,
  'manifests spiffe-bundle': `Usage: l5d-pki manifests spiffe-bundle --anchors FILE --trust-domain TD [flags]

The trust anchors as a SPIFFE bundle document (JSON, canonical key order) for trust domain TD, e.g.
identity.linkerd.cluster.local, to publish to federated trust domains such as a SPIRE deployment.

Flags:
  --anchors FILE        trust anchors bundle (PEM)
  --trust-domain TD     the trust domain the anchors belong to
  --sequence N          spiffe_sequence: raise it with every change of the anchors
  --refresh-hint DUR    spiffe_refresh_hint, whole seconds (e.g. 5m)
  -h, --help            show this help

${EXIT_CODES}
`,
};

/** Every command path that has its own help, e.g. `init`, `manifests helm`. */
export const HELP_TOPICS: readonly string[] = Object.keys(HELP);

/** The help of `topic` (a command path such as `issue` or `manifests helm`), or `undefined`. */
export function helpFor(topic: string): string | undefined {
  const text = HELP[topic];
  return text === undefined ? undefined : `${text}\n${FOOTER}\n`;
}

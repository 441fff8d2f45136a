const MAIN_EXIT_CODES = `Exit status:
  0  success (for verify: the chain is valid; for check: nothing fatal; for lint: no findings)
  1  invalid: verification failed, check or lint found problems, or issuance was refused
  2  usage error, or input that cannot be read (missing, empty, a directory, not PEM/DER/YAML)`;

/** A command's own exit statuses, without the other commands' meanings. */
const EXIT_CODES = `Exit status: 0 success, 1 input read but refused (e.g. a key that does not match), 2 usage error
or unreadable input.`;

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
  lint        check Secrets, ConfigMaps, cert-manager/trust-manager objects and Helm values before apply
  inspect     summarize a certificate, bundle, CSR, key or SPIFFE bundle document
  schedule    proxy refresh and cert-manager renewal times, or a hierarchy plan
  rotate      rotate the issuer or the trust anchor
  renew       renew an anchor or issuer in place: same subject and key, new validity
  bundle      edit a ca-bundle.crt (add, remove by fingerprint, prune) or compare two (diff)
  needs-renewal  exit 0 when a certificate needs renewal, 1 when not (for cron)
  manifests   Kubernetes YAML (secret, configmap, cert-manager, helm) or a SPIFFE bundle
  serve       run Linkerd's identity service (Identity/Certify over gRPC and TLS)
  certify     get a workload certificate from an identity service, as the proxy does

Global flags:
  -h, --help     show help (also: l5d-pki <command> --help, l5d-pki help <command>)
  --version      print the version

${MAIN_EXIT_CODES}

${FOOTER}
`;

const HELP: Readonly<Record<string, string>> = {
  init: `Usage: l5d-pki init [flags]

Makes a self-signed trust anchor (CN root.linkerd.<trust-domain>) and an issuer under it
(CN identity.linkerd.<trust-domain>), writes them (PEM unless --format der), and prints the linkerd
install line (with --identity-trust-domain when the trust domain is not cluster.local).
Existing files are never replaced without --force; keys are written with mode 0600.

Flags:
  --out DIR                 output directory, created if needed (default: .)
  --trust-domain DOMAIN     Linkerd's trust domain (default: cluster.local)
  --anchor-lifetime DUR     trust anchor lifetime (default: 87600h)
  --issuer-lifetime DUR     issuer lifetime (default: 8760h)
  --format pem|der          the encoding of the four files (default: pem; linkerd install reads PEM)
  --password-file FILE      write ca.key and issuer.key encrypted (PKCS#8, PBKDF2-SHA256, AES-256-CBC)
                            with the password on the first line of FILE
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
  --key-out FILE     the PKCS#8 key, mode 0600 (default: key.p8); - for stdout
  --csr-out FILE     the CSR (default: csr.der); - for stdout
  --format pem|der   the encoding of both; without it, PEM for a .pem, .crt or .key file name and
                     DER otherwise (stdout included)
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
  --issuer-key FILE           issuer private key (PKCS#8 or SEC1, PEM or DER, or encrypted PKCS#8)
  --password-file FILE        the password of an encrypted --issuer-key (first line of FILE)
  --csr FILE                  the workload CSR (DER or PEM)
  --identity NAME             the identity the leaf is for
  --lifetime DUR              leaf lifetime (default: 24h)
  --no-spiffe                 no SPIFFE URI SAN (exactly what Linkerd issues)
  --trust-domain DOMAIN       require NAME to be in this Linkerd trust domain (e.g. cluster.local)
  --spiffe-trust-domain TD    trust domain of the SPIFFE ID (default: from NAME, identity.linkerd.<domain>)
  --out FILE                  the leaf (default: leaf.crt); - for stdout, the summary then on stderr
  --format pem|der            the encoding of --out (default: DER for a .der name, PEM otherwise);
                              --chain-out is always PEM
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
       l5d-pki check --issuer-cert SECRET.yaml [--anchors CONFIGMAP.yaml]

Runs linkerd check's identity checks on local files: √ passed, ‼ warning, × error. Files may be PEM
or the Kubernetes YAML that holds them: the issuer Secret (either scheme) or Helm values, whose key
(and, for kubernetes.io/tls, ca.crt) then stand in for --issuer-key (and --anchors), and the
linkerd-identity-trust-roots ConfigMap. As current Linkerd, it checks no issuer name.

Flags:
  --anchors FILE       trust anchors bundle (PEM), or the trust-roots ConfigMap
  --issuer-cert FILE   issuer certificate (PEM), or the issuer Secret or Helm values
  --issuer-key FILE    issuer private key (default: from --issuer-cert when it is YAML)
  --password-file FILE the password of an encrypted --issuer-key (first line of FILE)
  --output FORMAT      table (default) or json
  --json               the same as --output json
  --issuer-name NAME   also require the issuer to be valid for NAME (as linkerd check did before 2020)
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
  --password-file FILE the password of an encrypted key, to show its public key fingerprint
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
  manifests: `Usage: l5d-pki manifests <secret|configmap|cert-manager|helm|spiffe-bundle|trust-manager> [flags]

Prints Kubernetes YAML (or a SPIFFE bundle document) to stdout, or with --out FILE into FILE
(never replacing it without --force). A kind is required.

  secret        the linkerd-identity-issuer Secret (--issuer-cert, --issuer-key, --anchors), or with
                --anchor-cert and --anchor-key the linkerd-trust-anchor Secret
  configmap     the linkerd-identity-trust-roots ConfigMap (--anchors)
  cert-manager  trust-anchor Secret, Issuer and Certificate for issuer rotation (--anchor-cert, --anchor-key)
  helm          Helm values for identity (--anchors, --issuer-cert, --issuer-key)
  spiffe-bundle the anchors as a SPIFFE bundle document, to federate with SPIRE (--anchors, --trust-domain)
  trust-manager a trust-manager Bundle writing ca-bundle.crt into linkerd-identity-trust-roots

Run "l5d-pki manifests <kind> --help" for the flags.

${EXIT_CODES}
`,
  lint: `Usage: l5d-pki lint FILE... [flags]
       kubectl get secret,configmap -n linkerd -o yaml | l5d-pki lint -

Reads multi-document YAML (as kubectl get -o yaml or helm template prints it, Lists included) and
reports one line per problem, naming the object and field: issuer Secrets of both schemes, the
trust-roots ConfigMap, cert-manager Certificate/Issuer/ClusterIssuer, trust-manager Bundle and Helm
values. It finds issuers that are not CAs or lack keyCertSign, keys that do not match, issuers that do
not chain to the anchors in the input (or --anchors), RSA and non-P-256 keys, cert-manager specs without
ECDSA P-256, isCA or usages or with a duration/renewBefore cert-manager refuses, ca.crt that is not a
root, expired or expiring certificates (with the date), and damaged PEM (indentation, CR, trailing text).

Flags:
  --anchors FILE       trust anchors (PEM) issuers must chain to, besides those in the input
  --warn-within DUR    report certificates that expire within DUR (default: 1440h, 60 days)
  --at TIME            judge validity at this time instead of now
  --json               print { ok, objects, findings } as JSON
  -h, --help           show this help

Exit status: 0 no findings, 1 findings, 2 unreadable input (not YAML, missing file) or usage error.
`,
  'rotate issuer': `Usage: l5d-pki rotate issuer --anchor-cert FILE --anchor-key FILE [flags]

Signs a new issuer (new key, new validity) under the existing trust anchor and writes issuer.crt and
issuer.key. The trust bundle does not change: leaves of the old and new issuer both verify. Prints the
steps that replace the issuer Secret in the cluster's scheme, and the equivalent linkerd upgrade line.

Flags:
  --anchor-cert FILE        trust anchor certificate (ca.crt)
  --anchor-key FILE         trust anchor private key (ca.key)
  --password-file FILE      password of an encrypted --anchor-key, and issuer.key is written encrypted with it
  --issuer-cert FILE        the current issuer: keep its CN, and refuse if another anchor signed it
  --out DIR                 output directory, created if needed (default: .)
  --issuer-lifetime DUR     new issuer lifetime (default: 8760h)
  --trust-domain DOMAIN     CN identity.linkerd.<domain> when --issuer-cert is not given (default: cluster.local)
  --scheme SCHEME           the cluster's issuer Secret scheme: linkerd.io/tls (default; what linkerd install
                            makes: crt.pem, key.pem) or kubernetes.io/tls (cert-manager: tls.crt, tls.key, ca.crt)
  --namespace NS            Linkerd's namespace, for the printed steps (default: linkerd)
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
  --password-file FILE      write ca.key and issuer.key encrypted (PKCS#8, PBKDF2-SHA256, AES-256-CBC) with this password
  --force                   overwrite existing files
  --json                    print the plan as JSON
  -h, --help                show this help

${EXIT_CODES}
`,
  'manifests secret': `Usage: l5d-pki manifests secret --issuer-cert FILE --issuer-key FILE --anchors FILE [flags]
       l5d-pki manifests secret --anchor-cert FILE --anchor-key FILE [flags]

The issuer Secret linkerd-identity-issuer in the cluster's scheme: linkerd.io/tls (the default, what
linkerd install makes: an Opaque Secret with crt.pem and key.pem) or kubernetes.io/tls (tls.crt, tls.key
and ca.crt, as cert-manager writes it). The issuer must be a CA, match its key, and chain to --anchors
(exit 1 otherwise). With --anchor-cert/--anchor-key: the kubernetes.io/tls Secret linkerd-trust-anchor
that a cert-manager CA Issuer reads.

Flags:
  --issuer-cert FILE   issuer certificate PEM
  --issuer-key FILE    issuer private key
  --anchors FILE       trust anchors bundle: checked against, and written as ca.crt under kubernetes.io/tls
  --scheme SCHEME      linkerd.io/tls (default) or kubernetes.io/tls
  --anchor-cert FILE   trust anchor certificate
  --anchor-key FILE    trust anchor private key
  --password-file FILE the password of an encrypted --issuer-key or --anchor-key (the YAML holds the key
                       unencrypted, as Linkerd reads it)
  --namespace NS       namespace (default: linkerd)
  --name NAME          Secret name (default: linkerd-identity-issuer, or linkerd-trust-anchor with --anchor-cert)
  --out FILE           write the YAML to FILE (default: - for stdout)
  --force              overwrite FILE
  -h, --help           show this help

${EXIT_CODES}
`,
  'manifests configmap': `Usage: l5d-pki manifests configmap --anchors FILE [flags]

The ConfigMap linkerd-identity-trust-roots with ca-bundle.crt.

Flags:
  --anchors FILE   trust anchors bundle (PEM)
  --namespace NS   namespace (default: linkerd)
  --name NAME      ConfigMap name
  --out FILE       write to FILE (default: - for stdout)
  --force          overwrite FILE
  -h, --help       show this help

${EXIT_CODES}
`,
  'manifests cert-manager': `Usage: l5d-pki manifests cert-manager --anchor-cert FILE --anchor-key FILE [flags]

The trust-anchor Secret, a cert-manager CA Issuer reading it, and a Certificate that keeps the
linkerd-identity-issuer Secret renewed.

Flags:
  --anchor-cert FILE               trust anchor certificate
  --anchor-key FILE                trust anchor private key
  --password-file FILE             the password of an encrypted --anchor-key (the YAML holds it unencrypted)
  --duration DUR                   issuer lifetime (default: 48h)
  --renew-before DUR               renew this long before expiry (default: 25h)
  --renew-before-percentage N      renew when N% of the lifetime is left (instead of --renew-before)
  --trust-domain DOMAIN            issuer CN identity.linkerd.<domain> (default: cluster.local)
  --namespace NS                   namespace (default: linkerd)
  --out FILE                       write to FILE (default: - for stdout)
  --force                          overwrite FILE
  -h, --help                       show this help

${EXIT_CODES}
`,
  'manifests helm': `Usage: l5d-pki manifests helm --anchors FILE --issuer-cert FILE --issuer-key FILE

Helm values for the linkerd-control-plane chart: identityTrustAnchorsPEM and identity.issuer.tls.

Flags:
  --anchors FILE       trust anchors bundle (PEM)
  --issuer-cert FILE   issuer certificate PEM
  --issuer-key FILE    issuer private key
  --password-file FILE the password of an encrypted --issuer-key (the values hold it unencrypted)
  --out FILE           write to FILE (default: - for stdout)
  --force              overwrite FILE
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
  --out FILE            write to FILE (default: - for stdout)
  --force               overwrite FILE
  -h, --help            show this help

${EXIT_CODES}
`,
  'manifests trust-manager': `Usage: l5d-pki manifests trust-manager [flags]

The trust-manager Bundle of Linkerd's cert-manager guide: trust-manager copies the trust anchor
(tls.crt of the Secret linkerd-trust-anchor in its trust namespace, cert-manager by default) into
ca-bundle.crt of the ConfigMap linkerd-identity-trust-roots in the namespace labelled
linkerd.io/is-control-plane=true. Install Linkerd with --set identity.externalCA=true.

Flags:
  --name NAME               Bundle and ConfigMap name (default: linkerd-identity-trust-roots)
  --secret NAME             Secret holding the anchor (default: linkerd-trust-anchor)
  --key KEY                 its data key (default: tls.crt)
  --previous-secret NAME    also trust this Secret's anchor (same key), during an anchor rotation
  --anchors FILE            also trust these anchors (PEM, checked), e.g. another cluster's
  --out FILE                write to FILE instead of stdout (- is stdout)
  --force                   overwrite FILE
  -h, --help                show this help

${EXIT_CODES}
`,
  bundle: `Usage: l5d-pki bundle <add|remove|prune|diff> [flags]

Edits a trust-anchor bundle (ca-bundle.crt) during an anchor rotation, or compares two bundles.

  add      add anchors (--cert), each once; refuses a certificate that is not a CA or has expired
  remove   remove anchors by SHA-256 fingerprint (--fingerprint), never by name
  prune    drop expired anchors and duplicate copies
  diff     compare two bundles: shared anchors, anchors only in each, expiry

Run "l5d-pki bundle <subcommand> --help" for the flags.
`,
  'bundle add': `Usage: l5d-pki bundle add --bundle FILE --cert FILE [--cert FILE ...] [flags]

Adds trust anchors after those of the bundle (the first step of an anchor rotation). Anchors already
in it are not added twice; duplicate copies are dropped. The new bundle goes to --out (default: stdout,
with the summary on stderr).

Flags:
  --bundle FILE        the bundle in force (PEM)
  --cert FILE          anchors to add (PEM or DER); repeat for more
  --out FILE           where to write the new bundle (- is stdout, the default)
  --now TIME           judge expiry at this time instead of now
  --force              overwrite --out (it may be the --bundle file: replaced atomically)
  --json               print the summary as JSON (with the PEM when --out is stdout)
  -h, --help           show this help

Exit status: 0 written, 2 usage error, unreadable input, or a certificate refused (not a CA, expired).
`,
  'bundle remove': `Usage: l5d-pki bundle remove --bundle FILE --fingerprint FP [--fingerprint FP ...] [flags]

Removes anchors by their SHA-256 fingerprint, as inspect, verify and openssl x509 -fingerprint -sha256
print it (colons and case do not matter; a prefix is not enough). Anchors of a rotation usually share
their name, so a name would not say which one.

Flags:
  --bundle FILE        the bundle in force (PEM)
  --fingerprint FP     SHA-256 fingerprint of an anchor to remove; repeat for more
  --out FILE           where to write the new bundle (- is stdout, the default)
  --force              overwrite --out (it may be the --bundle file: replaced atomically)
  --json               print the summary as JSON
  -h, --help           show this help

Exit status: 0 written, 1 no anchor has that fingerprint, 2 usage error, unreadable input, or a
removal that would leave the bundle empty.
`,
  'bundle prune': `Usage: l5d-pki bundle prune --bundle FILE [flags]

Drops expired anchors and duplicate copies. Anchors not yet valid stay.

Flags:
  --bundle FILE        the bundle (PEM)
  --now TIME           drop what has expired at this time instead of now
  --out FILE           where to write the new bundle (- is stdout, the default)
  --force              overwrite --out (it may be the --bundle file: replaced atomically)
  --json               print the summary as JSON
  -h, --help           show this help

Exit status: 0 written, 1 every anchor has expired (nothing written), 2 usage or unreadable input.
`,
  'bundle diff': `Usage: l5d-pki bundle diff FILE_A FILE_B [flags]

Compares two bundles, say of two clusters: the anchors both hold, anchors with the same subject and key
(one renewed in place, which verifies the same chains), the ones only in each, and their expiry. Do the
clusters still share a trust anchor?

Flags:
  --now TIME           judge expiry at this time instead of now
  --json               print the comparison as JSON
  -h, --help           show this help

Exit status: 0 they share an anchor valid now, 1 they do not, 2 usage or unreadable input.
`,
  'needs-renewal': `Usage: l5d-pki needs-renewal --cert FILE [flags]

Whether a certificate needs renewal, as step certificate needs-renewal answers it, for cron and scripts:
  l5d-pki needs-renewal --cert issuer.crt && <renew it>

By default a certificate needs renewal within 60 days of its expiry, when linkerd check starts to warn
(the window check and schedule use too); one that lives 60 days or less, in the last third of its life.

Flags:
  --cert FILE          the certificate (the first one of a PEM file)
  --expires-in WHEN    a duration before expiry (30d, 720h) or a share of the lifetime left (25%)
  --now TIME           decide at this time instead of now
  -v, --verbose        say what was decided, and when renewal is due
  --json               print the decision as JSON
  -h, --help           show this help

Exit status: 0 needs renewal (or expired), 1 does not need renewal, 2 usage or unreadable input.
`,
  renew: `Usage: l5d-pki renew --cert FILE --key FILE [flags]                           (a trust anchor)
       l5d-pki renew --cert FILE --anchor-cert FILE --anchor-key FILE [flags]    (an issuer)

Makes the certificate again with the same subject, key and extensions and a new validity, so chains
under it keep verifying: no rotation. An anchor is signed with its own key; an issuer by the anchor
that signed it (refused, exit 1, if another one did), cut to the anchor's expiry.

Flags:
  --cert FILE            the anchor or issuer certificate to renew
  --key FILE             the anchor's private key (a self-signed anchor)
  --anchor-cert FILE     for an issuer: the trust anchor that signed it
  --anchor-key FILE      for an issuer: that anchor's private key
  --password-file FILE   the password of encrypted keys (first line of FILE)
  --lifetime DUR         the new lifetime (default: the old certificate's)
  --out FILE             the renewed certificate (default: renewed.crt)
  --format pem|der       the encoding of --out (default: pem)
  --now TIME             renew as of this time instead of now
  --force                overwrite --out
  --json                 print a JSON summary instead of text
  -h, --help             show this help

${EXIT_CODES}
`,
  serve: `Usage: l5d-pki serve identity [flags]

Runs a service. The one there is: identity, Linkerd's identity service.

Run "l5d-pki serve identity --help" for the flags.

${EXIT_CODES}
`,
  'serve identity': `Usage: l5d-pki serve identity --issuer-cert FILE --issuer-key FILE --anchors FILE --token-jwks FILE [flags]
       l5d-pki serve identity --issuer-dir DIR --anchors FILE (--kubeconfig FILE | --in-cluster) [flags]

Linkerd's identity service, io.linkerd.proxy.identity.Identity/Certify, over gRPC, HTTP/2 and TLS. It
presents its own leaf for linkerd-identity.<ns>.serviceaccount.identity.<ns>.<trust-domain>, minted from
the issuer and sent with its chain, and answers every request as Linkerd's controller does, with its
gRPC status codes. Tokens are verified as service-account JWTs (RS256 or ES256, audience identity.l5d.io)
against the cluster's service-account keys. Prints "listening on HOST:PORT" once it accepts
connections, logs one JSON line per call on stderr (never a token or a key), and on SIGTERM or SIGINT
finishes the calls in flight and exits 0. It watches the issuer files: a new issuer that verifies
against the anchors replaces the old one (IssuerUpdated); a bad one is skipped (IssuerUpdateSkipped).

Flags:
  --issuer-cert FILE            issuer certificate PEM (more certificates after it form its chain)
  --issuer-key FILE             issuer private key
  --issuer-dir DIR              instead: the mounted issuer Secret (Kubernetes swaps its ..data symlink)
  --scheme SCHEME               linkerd.io/tls (crt.pem, key.pem; default) or kubernetes.io/tls (tls.crt, tls.key)
  --anchors FILE                trust anchors bundle (PEM)
  --token-jwks FILE             the service-account issuer's keys, a JSON Web Key Set (/openid/v1/jwks)
  --token-issuer ISS            require this "iss" in tokens
  --kubeconfig FILE             instead of --token-jwks: ask the API server with a TokenReview, as Linkerd does
  --in-cluster                  instead of --token-jwks: TokenReview with the pod's service account
  --trust-domain DOMAIN         Linkerd's trust domain (default: cluster.local)
  --namespace NS                the control plane's namespace (default: linkerd)
  --listen HOST:PORT            where to listen; port 0 picks a free port (default: 127.0.0.1:8080)
  --admin HOST:PORT             serve /ready, /ping and Prometheus /metrics over HTTP there; prints "admin on HOST:PORT"
  --issuance-lifetime DUR       workload leaf lifetime (default: 24h)
  --clock-skew-allowance DUR    taken off notBefore and added to notAfter (default: 20s)
  -h, --help                    show this help

Exit status: 0 stopped by a signal, 2 usage or unreadable input.
`,
  certify: `Usage: l5d-pki certify --server HOST:PORT --anchors FILE --identity NAME --token-file FILE --out DIR [flags]

Does what the Linkerd proxy does to get its certificate: makes a P-256 key (or reuses DIR/tls.key),
calls Identity/Certify over TLS trusting only the anchors and requiring the server's leaf to be
linkerd-identity.<ns>.serviceaccount.identity.<ns>.<trust-domain>, refuses an answer with no or a past
valid_until or a chain that does not verify against the anchors, and writes DIR/tls.key (mode 0600) and
DIR/tls.crt (the leaf and its intermediates, replaced on every run). Prints valid_until and when the
proxy would refresh the certificate (70% of the time left, clamped to 10s..24h).

Flags:
  --server HOST:PORT    the identity service
  --anchors FILE        trust anchors bundle (PEM)
  --identity NAME       the identity to ask for, e.g. web.shop.serviceaccount.identity.linkerd.cluster.local
  --token-file FILE     the service-account token (read on every run)
  --server-name NAME    the name the server's leaf must carry (default: from NAME's namespace and domain)
  --out DIR             where to write tls.key and tls.crt, created if needed
  --watch               keep renewing on the proxy's schedule, backing off 100ms..60s after a failure,
                        until SIGTERM or SIGINT (then exit 0)
  -h, --help            show this help

Exit status: 0 issued, 1 refused (the gRPC code and message on stderr), 2 usage or unreadable input.
`,
};

/** Every command path that has its own help, e.g. `init`, `manifests helm`. */
export const HELP_TOPICS: readonly string[] = Object.keys(HELP);

/** The help of `topic` (a command path such as `issue` or `manifests helm`), or `undefined`. */
export function helpFor(topic: string): string | undefined {
  const text = HELP[topic];
  return text === undefined ? undefined : `${text}\n${FOOTER}\n`;
}

import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parse as parseYaml } from 'yaml';
import { PkiError } from '../../errors';
import {
  LINKERD_TOKEN_AUDIENCE,
  type TokenAuthenticator,
  type TokenVerdict,
} from '../../identity/authenticator';

/**
 * How to reach the Kubernetes API server: its URL, the CA that signs its serving certificate, and the
 * identity service's own credentials (a bearer token, or a client certificate and key).
 *
 * @example
 * ```ts
 * const cluster: KubernetesApiAccess = { server: 'https://10.96.0.1:443', ca: caPem, token: serviceAccountToken };
 * ```
 */
export interface KubernetesApiAccess {
  /** The API server, `https://host:port`. */
  readonly server: string;
  /** The CA bundle (PEM) the API server's certificate chains to. */
  readonly ca: string;
  /** A bearer token for the API server. */
  readonly token?: string;
  /** A client certificate (PEM) and its key, instead of a token. */
  readonly clientCertificate?: string;
  readonly clientKey?: string;
}

/**
 * Options of {@link tokenReviewAuthenticator}.
 *
 * @example
 * ```ts
 * const options: TokenReviewAuthenticatorOptions = { cluster: inClusterAccess() };
 * ```
 */
export interface TokenReviewAuthenticatorOptions {
  /** The API server and the credentials to call it with. */
  readonly cluster: KubernetesApiAccess;
  /** The audience to review tokens for. Default `identity.l5d.io`. */
  readonly audience?: string;
  /** How long one review may take, in milliseconds. Default 10 s. */
  readonly timeoutMs?: number;
}

/** Largest TokenReview response read: 1 MiB. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

interface ReviewStatus {
  readonly authenticated?: boolean;
  readonly user?: { readonly username?: string };
  readonly error?: string;
}

/**
 * A {@link TokenAuthenticator} that asks the Kubernetes API server, as Linkerd's identity controller
 * does: a `TokenReview` with audience `identity.l5d.io`, retried without an audience when the API server
 * answers that it does not know token audiences; `status.error` → `invalid` with that text,
 * not authenticated → `unauthenticated`, the username otherwise; a failed API call throws (the service
 * answers `INTERNAL`).
 *
 * @throws {PkiError} `ERR_INVALID_ARGUMENT` for options without a server, a CA or credentials.
 * @example
 * ```ts
 * import { inClusterAccess, tokenReviewAuthenticator } from 'l5d-pki/node';
 *
 * const authenticator = tokenReviewAuthenticator({ cluster: inClusterAccess() });
 * ```
 */
export function tokenReviewAuthenticator(options: TokenReviewAuthenticatorOptions): TokenAuthenticator {
  if (typeof options !== 'object' || options === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'tokenReviewAuthenticator takes an options object');
  const { cluster } = options;
  let url: URL;
  try {
    url = new URL('/apis/authentication.k8s.io/v1/tokenreviews', cluster.server);
  } catch {
    throw new PkiError('ERR_INVALID_ARGUMENT', '`cluster.server` must be an https:// URL');
  }
  if (url.protocol !== 'https:')
    throw new PkiError('ERR_INVALID_ARGUMENT', '`cluster.server` must be an https:// URL');
  if (typeof cluster.ca !== 'string' || cluster.ca === '')
    throw new PkiError('ERR_INVALID_ARGUMENT', '`cluster.ca` must be PEM text');
  if (
    cluster.token === undefined &&
    (cluster.clientCertificate === undefined || cluster.clientKey === undefined)
  )
    throw new PkiError('ERR_INVALID_ARGUMENT', '`cluster` needs a token, or a client certificate and key');
  const audience = options.audience ?? LINKERD_TOKEN_AUDIENCE;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const text = new TextDecoder('utf-8', { fatal: false });

  const review = (token: string, audiences: readonly string[]): Promise<ReviewStatus> => {
    const body = JSON.stringify({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token, audiences },
    });
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          ca: cluster.ca,
          ...(cluster.clientCertificate === undefined
            ? {}
            : { cert: cluster.clientCertificate, key: cluster.clientKey }),
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(cluster.token === undefined ? {} : { authorization: `Bearer ${cluster.token}` }),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('the TokenReview response is too large'));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            if (res.statusCode !== 201 && res.statusCode !== 200) {
              reject(new Error(`the API server answered the TokenReview with HTTP ${res.statusCode}`));
              return;
            }
            try {
              const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { status?: ReviewStatus };
              resolve(parsed.status ?? {});
            } catch {
              reject(new Error('the API server answered the TokenReview with something other than JSON'));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('the TokenReview timed out')));
      req.on('error', (e) => reject(new Error(`the TokenReview failed: ${e.message}`)));
      req.end(body);
    });
  };

  return {
    async authenticate(tokenBytes): Promise<TokenVerdict> {
      const token = text.decode(tokenBytes);
      let status = await review(token, [audience]);
      if (typeof status.error === 'string' && status.error !== '' && status.error.includes('token audiences'))
        status = await review(token, []);
      if (typeof status.error === 'string' && status.error !== '')
        return { ok: false, reason: 'invalid', message: status.error };
      if (status.authenticated !== true) return { ok: false, reason: 'unauthenticated' };
      return { ok: true, username: String(status.user?.username ?? '') };
    },
  };
}

/**
 * The in-cluster access of a pod: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, with the
 * CA and token mounted at `/var/run/secrets/kubernetes.io/serviceaccount/`.
 *
 * @throws {PkiError} `ERR_INVALID_ARGUMENT` outside a pod (no service host, or the files are missing).
 * @example
 * ```ts
 * const authenticator = tokenReviewAuthenticator({ cluster: inClusterAccess() });
 * ```
 */
export function inClusterAccess(
  env: Readonly<Record<string, string | undefined>> = process.env,
  dir = '/var/run/secrets/kubernetes.io/serviceaccount',
): KubernetesApiAccess {
  if (typeof env !== 'object' || env === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'inClusterAccess takes the environment as an object');
  if (typeof dir !== 'string')
    throw new PkiError('ERR_INVALID_ARGUMENT', 'the service-account directory must be a path');
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (host === undefined || host === '')
    throw new PkiError('ERR_INVALID_ARGUMENT', 'not in a cluster: KUBERNETES_SERVICE_HOST is not set');
  try {
    return {
      server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      ca: readFileSync(`${dir}/ca.crt`, 'utf8'),
      token: readFileSync(`${dir}/token`, 'utf8').trim(),
    };
  } catch (e) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `not in a cluster: ${(e as Error).message}`);
  }
}

/**
 * The access a kubeconfig gives for its current context (or `context`): the cluster's server and CA
 * (`certificate-authority-data` or `certificate-authority`), and the user's token or client certificate.
 *
 * @throws {PkiError} `ERR_INVALID_ARGUMENT` when the kubeconfig lacks what is needed.
 * @example
 * ```ts
 * const cluster = kubeconfigAccess(readFileSync(`${homedir()}/.kube/config`, 'utf8'));
 * ```
 */
export function kubeconfigAccess(kubeconfig: string, context?: string): KubernetesApiAccess {
  const bad = (what: string) => new PkiError('ERR_INVALID_ARGUMENT', `kubeconfig: ${what}`);
  let doc: Record<string, unknown>;
  try {
    doc = parseYaml(kubeconfig) as Record<string, unknown>;
  } catch {
    throw bad('not YAML');
  }
  if (typeof doc !== 'object' || doc === null) throw bad('not a kubeconfig');
  const named = (list: unknown, name: unknown, what: string) => {
    const found = Array.isArray(list)
      ? list.find((x) => (x as { name?: unknown })?.name === name)
      : undefined;
    if (found === undefined) throw bad(`no ${what} named ${JSON.stringify(name)}`);
    return found as Record<string, Record<string, string | undefined> | undefined>;
  };
  const ctx = named(doc.contexts, context ?? doc['current-context'], 'context').context ?? {};
  const cluster = named(doc.clusters, ctx.cluster, 'cluster').cluster ?? {};
  const user = named(doc.users, ctx.user, 'user').user ?? {};
  const data = (b64: string | undefined) =>
    b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
  const file = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path, 'utf8'));
  const server = cluster.server;
  const ca = data(cluster['certificate-authority-data']) ?? file(cluster['certificate-authority']);
  if (server === undefined || ca === undefined)
    throw bad('the cluster needs a server and a certificate authority');
  const token = user.token;
  const clientCertificate = data(user['client-certificate-data']) ?? file(user['client-certificate']);
  const clientKey = data(user['client-key-data']) ?? file(user['client-key']);
  if (token !== undefined) return { server, ca, token };
  if (clientCertificate !== undefined && clientKey !== undefined)
    return { server, ca, clientCertificate, clientKey };
  throw bad('the user needs a token or a client certificate and key');
}

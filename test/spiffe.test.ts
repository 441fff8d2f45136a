import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPkiError, type PkiErrorCode } from '../src/errors';
import {
  DEFAULT_SPIFFE_TRUST_DOMAIN,
  formatSpiffeId,
  isDns1123Label,
  isDns1123Subdomain,
  isValidSpiffeId,
  isValidTrustDomain,
  type LinkerdIdentityInput,
  linkerdIdentity,
  linkerdIdentityToSpiffeId,
  matchAny,
  matchId,
  matchMemberOf,
  matchOneOf,
  parseLinkerdIdentity,
  parseServiceAccountUsername,
  parseSpiffeId,
  parseTrustDomain,
  type SpiffeId,
  spiffeIdFromSegments,
  spiffeIdToLinkerdIdentity,
  validatePath,
  validatePathSegment,
} from '../src/spiffe';

function expectCode(fn: () => unknown, code: PkiErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isPkiError(thrown) ? thrown.code : thrown).toBe(code);
}

/** Bypasses the static types, as a JavaScript caller could. */
const untyped = <T>(value: unknown): T => value as T;

const EMOJIVOTO = 'default.emojivoto.serviceaccount.identity.linkerd.cluster.local';
const EMOJIVOTO_SPIFFE = 'spiffe://identity.linkerd.cluster.local/ns/emojivoto/sa/default';

describe('parseSpiffeId', () => {
  it('splits trust domain and path, and round-trips', () => {
    const id = parseSpiffeId(EMOJIVOTO_SPIFFE);
    expect(id.trustDomain).toBe('identity.linkerd.cluster.local');
    expect(id.path).toBe('/ns/emojivoto/sa/default');
    expect(id.toString()).toBe(EMOJIVOTO_SPIFFE);
    expect(`${id}`).toBe(EMOJIVOTO_SPIFFE);
    expect(parseSpiffeId(id.toString())).toEqual(id);
  });

  it('accepts the trust domain ID and every allowed character', () => {
    expect(parseSpiffeId('spiffe://example.org')).toMatchObject({ trustDomain: 'example.org', path: '' });
    const id = parseSpiffeId('spiffe://a-b_c.9/AZaz09-._/...');
    expect(id.path).toBe('/AZaz09-._/...');
  });

  it('returns frozen values', () => {
    const id = parseSpiffeId('spiffe://example.org/a');
    expect(Object.isFrozen(id)).toBe(true);
    expect(() => {
      (id as { trustDomain: string }).trustDomain = 'evil.org';
    }).toThrow(TypeError);
  });

  it.each([
    ['', 'empty'],
    ['example.org/a', 'no scheme'],
    ['http://example.org/a', 'other scheme'],
    ['SPIFFE://example.org/a', 'uppercase scheme'],
    ['spiffe:/example.org/a', 'one slash'],
    ['spiffe://', 'no trust domain'],
    ['spiffe:///a', 'empty trust domain'],
    ['spiffe://Example.org/a', 'uppercase trust domain'],
    ['spiffe://example.org:8443/a', 'port'],
    ['spiffe://user@example.org/a', 'user info'],
    ['spiffe://ex%41mple.org/a', 'percent in trust domain'],
    ['spiffe://example.org/', 'trailing slash'],
    ['spiffe://example.org/a/', 'trailing slash after segment'],
    ['spiffe://example.org//a', 'empty segment'],
    ['spiffe://example.org/./a', 'dot segment'],
    ['spiffe://example.org/a/..', 'dot-dot segment'],
    ['spiffe://example.org/a?x=1', 'query'],
    ['spiffe://example.org/a#frag', 'fragment'],
    ['spiffe://example.org/a%20b', 'percent in path'],
    ['spiffe://example.org/ü', 'non-ASCII'],
    [' spiffe://example.org/a', 'leading space'],
  ])('rejects %j (%s)', (input) => {
    expectCode(() => parseSpiffeId(input), 'ERR_SPIFFE_ID_INVALID');
    expect(isValidSpiffeId(input)).toBe(false);
  });

  it('names the input and reason; long or multi-line input only by its length', () => {
    expect(() => parseSpiffeId('spiffe://example.org/')).toThrow(
      'invalid SPIFFE ID "spiffe://example.org/": path cannot have a trailing slash',
    );
    const long = `spiffe://example.org/${'x'.repeat(500)}%`;
    expect(() => parseSpiffeId(long)).toThrow(/^invalid SPIFFE ID \(a 522-character text\): /);
    expect(() => parseSpiffeId('spiffe://example.org/\nx')).toThrow(
      /^invalid SPIFFE ID \(a 23-character text\): /,
    );
  });

  it('refuses non-strings with ERR_INVALID_ARGUMENT; isValidSpiffeId says false', () => {
    expectCode(() => parseSpiffeId(untyped(42)), 'ERR_INVALID_ARGUMENT');
    expect(isValidSpiffeId(null)).toBe(false);
    expect(isValidSpiffeId({ trustDomain: 'a', path: '' })).toBe(false);
  });

  it('agrees with a reference grammar on generated strings', () => {
    const reference = (s: string): boolean =>
      /^spiffe:\/\/[a-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(s) &&
      s
        .slice('spiffe://'.length)
        .split('/')
        .slice(1)
        .every((seg) => seg !== '.' && seg !== '..');
    const piece = fc.constantFrom(
      'spiffe://',
      'a',
      'Z',
      '0',
      '.',
      '..',
      '/',
      '-',
      '_',
      ':',
      '%',
      '@',
      '?',
      ' ',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const s = pieces.join('');
        expect(isValidSpiffeId(s)).toBe(reference(s));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseTrustDomain / isValidTrustDomain', () => {
  it('accepts a name or a SPIFFE ID', () => {
    expect(parseTrustDomain('cluster.local')).toBe('cluster.local');
    expect(parseTrustDomain('spiffe://cluster.local')).toBe('cluster.local');
    expect(parseTrustDomain(EMOJIVOTO_SPIFFE)).toBe('identity.linkerd.cluster.local');
    expect(isValidTrustDomain('trust_domain-1.')).toBe(true);
  });

  it.each([
    '',
    'Cluster.local',
    'cluster.local:8080',
    'cluster.local/path',
    'spiffe:/cluster.local',
    'spiffe://cluster.local/',
    'https://cluster.local',
    'clüster',
  ])('rejects %j with ERR_TRUST_DOMAIN_INVALID', (input) => {
    expectCode(() => parseTrustDomain(input), 'ERR_TRUST_DOMAIN_INVALID');
    expect(isValidTrustDomain(input)).toBe(false);
  });

  it('refuses non-strings', () => {
    expectCode(() => parseTrustDomain(untyped(undefined)), 'ERR_INVALID_ARGUMENT');
    expect(isValidTrustDomain(7)).toBe(false);
  });
});

describe('validatePath / validatePathSegment', () => {
  it('accepts valid paths and segments', () => {
    for (const path of ['', '/a', '/a/b', '/.a', '/..a', '/...', '/A-Z_0.9'])
      expect(() => validatePath(path)).not.toThrow();
    for (const seg of ['a', '...', '.a', 'A-Z_0.9']) expect(() => validatePathSegment(seg)).not.toThrow();
  });

  it.each(['a', '/', '//', '/a/', '/a//b', '/.', '/..', '/a/./b', '/a$', '/a b'])(
    'rejects path %j',
    (path) => {
      expectCode(() => validatePath(path), 'ERR_SPIFFE_ID_INVALID');
    },
  );

  it.each(['', '.', '..', '/', 'a/b', '$', 'a%2F'])('rejects segment %j', (segment) => {
    expectCode(() => validatePathSegment(segment), 'ERR_SPIFFE_ID_INVALID');
  });

  it('refuses non-strings', () => {
    expectCode(() => validatePath(untyped(null)), 'ERR_INVALID_ARGUMENT');
    expectCode(() => validatePathSegment(untyped(1)), 'ERR_INVALID_ARGUMENT');
  });
});

describe('spiffeIdFromSegments / formatSpiffeId', () => {
  it('joins segments', () => {
    const id = spiffeIdFromSegments('identity.linkerd.cluster.local', 'ns', 'emojivoto', 'sa', 'default');
    expect(id.toString()).toBe(EMOJIVOTO_SPIFFE);
    expect(id).toEqual(parseSpiffeId(EMOJIVOTO_SPIFFE));
    expect(Object.isFrozen(id)).toBe(true);
    expect(spiffeIdFromSegments('example.org').toString()).toBe('spiffe://example.org');
  });

  it('formats a trust domain and path', () => {
    expect(formatSpiffeId('example.org', '/a/b')).toBe('spiffe://example.org/a/b');
    expect(formatSpiffeId('example.org', '')).toBe('spiffe://example.org');
  });

  it('needs a bare trust domain name', () => {
    for (const td of ['', 'Example.org', 'spiffe://example.org', 'example.org/a']) {
      expectCode(() => spiffeIdFromSegments(td, 'a'), 'ERR_TRUST_DOMAIN_INVALID');
      expectCode(() => formatSpiffeId(td, '/a'), 'ERR_TRUST_DOMAIN_INVALID');
    }
  });

  it('checks segments and paths', () => {
    for (const seg of ['', '.', '..', 'a/b', '$']) {
      expectCode(() => spiffeIdFromSegments('example.org', 'ok', seg), 'ERR_SPIFFE_ID_INVALID');
    }
    expectCode(() => formatSpiffeId('example.org', 'a'), 'ERR_SPIFFE_ID_INVALID');
    expectCode(() => formatSpiffeId('example.org', '/a/'), 'ERR_SPIFFE_ID_INVALID');
  });

  it('round-trips through parseSpiffeId', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._-]{1,8}$/).filter((s) => s !== '.' && s !== '..');
    const td = fc.stringMatching(/^[a-z0-9._-]{1,12}$/);
    fc.assert(
      fc.property(td, fc.array(segment, { maxLength: 5 }), (trustDomain, segments) => {
        const id = spiffeIdFromSegments(trustDomain, ...segments);
        expect(parseSpiffeId(id.toString())).toEqual(id);
        expect(formatSpiffeId(trustDomain, id.path)).toBe(id.toString());
      }),
    );
  });
});

describe('matchers', () => {
  const a = 'spiffe://foo.test/A';
  const b = 'spiffe://foo.test/B';
  const other = 'spiffe://bar.test/A';
  const garbage = ['', 'not an id', 'spiffe://foo.test/', 'SPIFFE://foo.test/A'];
  const badObjects: SpiffeId[] = [
    untyped({ trustDomain: 'FOO.test', path: '/A' }),
    untyped({ trustDomain: 'foo.test', path: 'A' }),
    untyped({ trustDomain: 'foo.test', path: 7 }),
    untyped(null),
    untyped(42),
  ];

  it('matchAny matches every valid ID and nothing invalid', () => {
    const m = matchAny();
    for (const id of [a, other, 'spiffe://foo.test', parseSpiffeId(b)]) expect(m(id)).toBe(true);
    for (const id of [...garbage, ...badObjects].filter((g) => g !== '')) expect(m(id)).toBe(false);
  });

  it('treats the empty string as the zero ID, as go-spiffe does', () => {
    expect(matchAny()('')).toBe(true);
    expect(matchMemberOf('')('')).toBe(true);
    expect(matchMemberOf('')(a)).toBe(false);
    expect(matchMemberOf('foo.test')('')).toBe(false);
    expect(matchId(a)('')).toBe(false);
    expect(matchOneOf()('')).toBe(false);
  });

  it('matchId matches one ID, as string or object', () => {
    for (const m of [matchId(a), matchId(parseSpiffeId(a))]) {
      expect(m(a)).toBe(true);
      expect(m(parseSpiffeId(a))).toBe(true);
      expect(m({ trustDomain: 'foo.test', path: '/A' })).toBe(true);
      for (const id of [b, other, 'spiffe://foo.test', 'spiffe://foo.test/A/x', ...garbage, ...badObjects]) {
        expect(m(id)).toBe(false);
      }
    }
  });

  it('matchOneOf matches listed IDs only; with none, nothing', () => {
    const m = matchOneOf(a, parseSpiffeId(other));
    expect(m(a)).toBe(true);
    expect(m(other)).toBe(true);
    expect(m(b)).toBe(false);
    for (const id of [...garbage, ...badObjects]) expect(m(id)).toBe(false);
    expect(matchOneOf()(a)).toBe(false);
  });

  it('matchMemberOf matches the trust domain on a label boundary', () => {
    const m = matchMemberOf('foo.test');
    for (const id of ['spiffe://foo.test', a, 'spiffe://foo.test/sub/C', parseSpiffeId(b)])
      expect(m(id)).toBe(true);
    for (const id of [other, 'spiffe://foo.testx/A', 'spiffe://foo.test.evil/A', 'spiffe://x.foo.test/A']) {
      expect(m(id)).toBe(false);
    }
    for (const id of [...garbage, ...badObjects]) expect(m(id)).toBe(false);
    expect(matchMemberOf('spiffe://foo.test/any')(a)).toBe(true);
  });

  it('refuses invalid matcher arguments', () => {
    expectCode(() => matchId('spiffe://foo.test/'), 'ERR_SPIFFE_ID_INVALID');
    expectCode(() => matchId(untyped({ trustDomain: 'Foo', path: '' })), 'ERR_TRUST_DOMAIN_INVALID');
    expectCode(() => matchId(untyped({ trustDomain: 'foo', path: 'x' })), 'ERR_SPIFFE_ID_INVALID');
    expectCode(() => matchOneOf(a, 'bogus'), 'ERR_SPIFFE_ID_INVALID');
    expectCode(() => matchMemberOf('Foo.test'), 'ERR_TRUST_DOMAIN_INVALID');
  });
});

describe('DNS-1123 names', () => {
  it.each([
    ['a', true],
    ['0', true],
    ['a-b', true],
    ['a--b', true],
    ['1abc', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['', false],
    ['-a', false],
    ['a-', false],
    ['-', false],
    ['A', false],
    ['aB', false],
    ['a_b', false],
    ['a.b', false],
    ['a b', false],
  ])('label %j → %s', (label, ok) => {
    expect(isDns1123Label(label)).toBe(ok);
  });

  const label63 = 'a'.repeat(63);
  const of253 = [label63, label63, label63, 'a'.repeat(61)].join('.');

  it.each([
    ['cluster.local', true],
    ['a', true],
    ['a-1.b-2.c', true],
    [of253, true],
    [`${of253}a`, false],
    [`${'a'.repeat(64)}.local`, false],
    ['', false],
    ['.local', false],
    ['cluster.', false],
    ['cluster..local', false],
    ['Cluster.local', false],
    ['-cluster.local', false],
    ['cluster-.local', false],
    ['cluster_local', false],
  ])('subdomain %j → %s', (name, ok) => {
    expect(isDns1123Subdomain(name)).toBe(ok);
  });

  it('says false for non-strings', () => {
    expect(isDns1123Label(undefined)).toBe(false);
    expect(isDns1123Subdomain(['a'])).toBe(false);
  });
});

describe('Linkerd identity names', () => {
  it('builds names with the defaults and with overrides', () => {
    expect(linkerdIdentity({ serviceAccount: 'default', namespace: 'emojivoto' })).toBe(EMOJIVOTO);
    expect(
      linkerdIdentity({
        serviceAccount: 'web',
        namespace: 'shop',
        controlPlaneNamespace: 'l5d',
        trustDomain: 'prod.example.com',
      }),
    ).toBe('web.shop.serviceaccount.identity.l5d.prod.example.com');
    expect(
      linkerdIdentity({
        serviceAccount: 'web',
        namespace: 'shop',
        controlPlaneNamespace: undefined,
        trustDomain: undefined,
      }),
    ).toBe('web.shop.serviceaccount.identity.linkerd.cluster.local');
  });

  it.each<[LinkerdIdentityInput, string]>([
    [{ serviceAccount: 'Default', namespace: 'emojivoto' }, 'uppercase service account'],
    [{ serviceAccount: '', namespace: 'emojivoto' }, 'empty service account'],
    [{ serviceAccount: 'web.v2', namespace: 'emojivoto' }, 'dotted service account'],
    [{ serviceAccount: 'default', namespace: 'a'.repeat(64) }, '64-character namespace'],
    [{ serviceAccount: 'default', namespace: '-emojivoto' }, 'leading dash'],
    [{ serviceAccount: 'default', namespace: 'emojivoto-' }, 'trailing dash'],
    [
      { serviceAccount: 'default', namespace: 'emojivoto', controlPlaneNamespace: 'link.erd' },
      'dotted cp ns',
    ],
    [{ serviceAccount: 'default', namespace: 'emojivoto', trustDomain: 'Cluster.local' }, 'uppercase td'],
    [{ serviceAccount: 'default', namespace: 'emojivoto', trustDomain: 'cluster.local.' }, 'trailing dot td'],
    [
      {
        serviceAccount: 'a'.repeat(63),
        namespace: 'b'.repeat(63),
        trustDomain: ['c'.repeat(63), 'd'.repeat(40)].join('.'),
      },
      'over 253 characters',
    ],
  ])('refuses %j (%s)', (input) => {
    expectCode(() => linkerdIdentity(input), 'ERR_IDENTITY_INVALID');
  });

  it('accepts 63-character labels', () => {
    const sa = 'a'.repeat(63);
    expect(
      parseLinkerdIdentity(linkerdIdentity({ serviceAccount: sa, namespace: 'ns' })).serviceAccount,
    ).toBe(sa);
  });

  it('parses names, inferring the control plane namespace and a multi-label trust domain', () => {
    expect(parseLinkerdIdentity(EMOJIVOTO)).toEqual({
      serviceAccount: 'default',
      namespace: 'emojivoto',
      controlPlaneNamespace: 'linkerd',
      trustDomain: 'cluster.local',
    });
    expect(parseLinkerdIdentity('web.shop.serviceaccount.identity.l5d.prod.example.com')).toEqual({
      serviceAccount: 'web',
      namespace: 'shop',
      controlPlaneNamespace: 'l5d',
      trustDomain: 'prod.example.com',
    });
    expect(parseLinkerdIdentity('web.shop.serviceaccount.identity.linkerd.local').trustDomain).toBe('local');
  });

  it('checks the expected control plane namespace and trust domain', () => {
    const opts = { controlPlaneNamespace: 'linkerd', trustDomain: 'cluster.local' };
    expect(parseLinkerdIdentity(EMOJIVOTO, opts).namespace).toBe('emojivoto');
    expectCode(
      () => parseLinkerdIdentity(EMOJIVOTO, { controlPlaneNamespace: 'l5d' }),
      'ERR_IDENTITY_INVALID',
    );
    expectCode(() => parseLinkerdIdentity(EMOJIVOTO, { trustDomain: 'local' }), 'ERR_IDENTITY_INVALID');
    expectCode(
      () => parseLinkerdIdentity(EMOJIVOTO, { trustDomain: 'linkerd.cluster.local' }),
      'ERR_IDENTITY_INVALID',
    );
  });

  it.each([
    '',
    'default.emojivoto.serviceaccount.identity.linkerd',
    'default.emojivoto.serviceaccount.identity',
    'default.emojivoto.sa.identity.linkerd.cluster.local',
    'default.emojivoto.serviceaccount.id.linkerd.cluster.local',
    'emojivoto.serviceaccount.identity.linkerd.cluster.local',
    'x.default.emojivoto.serviceaccount.identity.linkerd.cluster.local',
    'Default.emojivoto.serviceaccount.identity.linkerd.cluster.local',
    'default.emojivoto.serviceaccount.identity.linkerd.cluster.local.',
    'default..serviceaccount.identity.linkerd.cluster.local',
    '-default.emojivoto.serviceaccount.identity.linkerd.cluster.local',
    `${'a'.repeat(64)}.emojivoto.serviceaccount.identity.linkerd.cluster.local`,
    'default.emojivoto.serviceaccount.identity.linkerd.cluster_local',
    'spiffe://identity.linkerd.cluster.local/ns/emojivoto/sa/default',
  ])('refuses the name %j', (name) => {
    expectCode(() => parseLinkerdIdentity(name), 'ERR_IDENTITY_INVALID');
  });

  it('round-trips generated names', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    const parts = fc.record({
      serviceAccount: label,
      namespace: label,
      controlPlaneNamespace: label,
      trustDomain: fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
    });
    fc.assert(
      fc.property(parts, (p) => {
        expect(parseLinkerdIdentity(linkerdIdentity(p))).toEqual(p);
      }),
    );
  });
});

describe('parseServiceAccountUsername', () => {
  it('parses system:serviceaccount:<ns>:<sa>', () => {
    expect(parseServiceAccountUsername('system:serviceaccount:emojivoto:default')).toEqual({
      namespace: 'emojivoto',
      serviceAccount: 'default',
    });
  });

  it.each([
    '',
    'system:serviceaccount:emojivoto',
    'system:serviceaccount:emojivoto:default:extra',
    'system:serviceaccounts:emojivoto:default',
    'System:serviceaccount:emojivoto:default',
    'user:serviceaccount:emojivoto:default',
    'system:node:emojivoto:default',
    'system:serviceaccount::default',
    'system:serviceaccount:emojivoto:',
    'system:serviceaccount:Emojivoto:default',
    'system:serviceaccount:emojivoto:web.v2',
    `system:serviceaccount:${'a'.repeat(64)}:default`,
  ])('refuses %j', (username) => {
    expectCode(() => parseServiceAccountUsername(username), 'ERR_SERVICE_ACCOUNT_INVALID');
  });

  it('builds the identity the identity service compares with the request', () => {
    const sa = parseServiceAccountUsername('system:serviceaccount:emojivoto:default');
    expect(linkerdIdentity(sa)).toBe(EMOJIVOTO);
  });
});

describe('Linkerd identity ↔ SPIFFE ID', () => {
  it('maps the spec example both ways', () => {
    const id = linkerdIdentityToSpiffeId(EMOJIVOTO);
    expect(id.toString()).toBe(EMOJIVOTO_SPIFFE);
    expect(id.trustDomain).toBe(DEFAULT_SPIFFE_TRUST_DOMAIN);
    expect(spiffeIdToLinkerdIdentity(id)).toBe(EMOJIVOTO);
    expect(spiffeIdToLinkerdIdentity(EMOJIVOTO_SPIFFE)).toBe(EMOJIVOTO);
  });

  it('honours the options', () => {
    const name = 'web.shop.serviceaccount.identity.l5d.prod.example';
    const id = linkerdIdentityToSpiffeId(name, {
      spiffeTrustDomain: 'example.org',
      controlPlaneNamespace: 'l5d',
    });
    expect(id.toString()).toBe('spiffe://example.org/ns/shop/sa/web');
    expect(
      spiffeIdToLinkerdIdentity(id, {
        controlPlaneNamespace: 'l5d',
        trustDomain: 'prod.example',
        spiffeTrustDomain: 'example.org',
      }),
    ).toBe(name);
    expect(linkerdIdentityToSpiffeId(name).toString()).toBe(
      'spiffe://identity.linkerd.cluster.local/ns/shop/sa/web',
    );
    expectCode(
      () => linkerdIdentityToSpiffeId(name, { controlPlaneNamespace: 'linkerd' }),
      'ERR_IDENTITY_INVALID',
    );
  });

  it('refuses a bad SPIFFE trust domain', () => {
    expectCode(
      () => linkerdIdentityToSpiffeId(EMOJIVOTO, { spiffeTrustDomain: 'Bad' }),
      'ERR_TRUST_DOMAIN_INVALID',
    );
    expectCode(() => linkerdIdentityToSpiffeId('nope'), 'ERR_IDENTITY_INVALID');
  });

  it('refuses IDs of another trust domain when one is required', () => {
    const opts = { spiffeTrustDomain: DEFAULT_SPIFFE_TRUST_DOMAIN };
    expect(spiffeIdToLinkerdIdentity(EMOJIVOTO_SPIFFE, opts)).toBe(EMOJIVOTO);
    expectCode(
      () => spiffeIdToLinkerdIdentity('spiffe://evil.org/ns/emojivoto/sa/default', opts),
      'ERR_IDENTITY_INVALID',
    );
  });

  it.each([
    'spiffe://identity.linkerd.cluster.local',
    'spiffe://identity.linkerd.cluster.local/ns/emojivoto',
    'spiffe://identity.linkerd.cluster.local/ns/emojivoto/sa',
    'spiffe://identity.linkerd.cluster.local/ns/emojivoto/sa/default/extra',
    'spiffe://identity.linkerd.cluster.local/sa/default/ns/emojivoto',
    'spiffe://identity.linkerd.cluster.local/x/ns/emojivoto/sa/default',
    'spiffe://identity.linkerd.cluster.local/ns/Emojivoto/sa/default',
    'spiffe://identity.linkerd.cluster.local/ns/emojivoto/sa/web.v2',
    'spiffe://identity.linkerd.cluster.local/ns/emojivoto/sa/-web',
  ])('refuses %j with ERR_IDENTITY_INVALID', (id) => {
    expectCode(() => spiffeIdToLinkerdIdentity(id), 'ERR_IDENTITY_INVALID');
  });

  it('refuses invalid SPIFFE IDs with their parse error', () => {
    expectCode(() => spiffeIdToLinkerdIdentity('spiffe://x/ns/a/sa/b/'), 'ERR_SPIFFE_ID_INVALID');
    expectCode(
      () => spiffeIdToLinkerdIdentity({ trustDomain: 'X', path: '/ns/a/sa/b' }),
      'ERR_TRUST_DOMAIN_INVALID',
    );
  });
});

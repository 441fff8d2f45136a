/**
 * The Node entry (`l5d-pki/node`) under misuse: every exported function and class, called with nothing
 * or with a value of the wrong kind, throws or rejects with a `PkiError` (or returns normally); never a
 * raw `TypeError`. Valid uses are covered by node-tls, renewal and identity-server tests; these inputs
 * start nothing, so no server or timer is left behind.
 */
import { describe, expect, it } from 'vitest';
import { isPkiError } from '../src/errors';
import * as node from '../src/node';

/** Exports that are not functions, each with the reason it is not called. */
const NOT_CALLED: Readonly<Record<string, string>> = {
  ISSUER_SCHEMES: 'constant: the file names of each issuer Secret scheme',
  LINKERD_TOKEN_AUDIENCE: 'constant string',
};

/** Exports that are classes whose instances the library makes, not the caller. */
const NOT_CONSTRUCTED: Readonly<Record<string, string>> = {
  PeerCheck: 'made by createPeerCheck; its constructor is not part of the API',
  PeerVerificationError: 'an error type the peer check throws; any message is accepted',
};

const BAD: readonly unknown[] = [
  undefined,
  null,
  0,
  Number.NaN,
  '',
  'x',
  true,
  Symbol('s'),
  [],
  {},
  { der: new Uint8Array(3) },
  () => {},
];

async function outcome(call: () => unknown): Promise<string> {
  try {
    const value = await Promise.race([
      Promise.resolve().then(call),
      new Promise((_, fail) => setTimeout(() => fail(new Error('no answer in 10 s')), 10_000).unref()),
    ]);
    const closable = value as { close?: () => unknown; stop?: () => unknown } | undefined;
    if (typeof closable?.stop === 'function') await closable.stop();
    if (typeof closable?.close === 'function') await closable.close();
    return 'returned';
  } catch (e) {
    return isPkiError(e) ? 'PkiError' : `not a PkiError: ${String(e)}`;
  }
}

describe('l5d-pki/node under misuse', () => {
  const names = Object.keys(node).sort();

  it('classifies every export', () => {
    for (const name of names) {
      const value = (node as Record<string, unknown>)[name];
      if (typeof value !== 'function') expect(NOT_CALLED, name).toHaveProperty(name);
    }
  });

  for (const name of names) {
    const value = (node as Record<string, unknown>)[name];
    if (typeof value !== 'function' || name in NOT_CONSTRUCTED) continue;
    it(`${name} ends in a value or a PkiError`, async () => {
      const fn = value as (...args: unknown[]) => unknown;
      const bad: string[] = [];
      for (const args of [[], ...BAD.map((v) => [v])]) {
        const got = await outcome(() => fn(...args));
        if (got.startsWith('not')) bad.push(`${name}(${args.map((a) => String(a)).join(', ')}): ${got}`);
      }
      expect(bad).toEqual([]);
    });
  }
});

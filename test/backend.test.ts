import { describe, expect, it } from 'vitest';
import { cryptoBackend } from '../src/crypto';

describe('crypto backend selection', () => {
  it('uses node:crypto under Node', () => {
    expect(cryptoBackend().name).toBe('node');
  });
});

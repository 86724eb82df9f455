import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createSecretBox, generateMasterKey, parseMasterKey } from '../../src/security/secretBox.ts';
import { constantTimeEqual, generateApiKey, generateSigningSecret, hashToken } from '../../src/security/tokens.ts';

describe('secretBox', () => {
  const box = createSecretBox(randomBytes(32));

  it('round-trips text and JSON, with a fresh IV each time', () => {
    const a = box.seal('fl_secret');
    const b = box.seal('fl_secret');
    expect(a).not.toBe(b);
    expect(a).not.toContain('fl_secret');
    expect(box.open(a)).toBe('fl_secret');
    expect(box.openJson(box.sealJson({ apiKey: 'k' }))).toEqual({ apiKey: 'k' });
  });

  it('refuses a value sealed under another key, or tampered with', () => {
    const other = createSecretBox(randomBytes(32));
    expect(() => other.open(box.seal('x'))).toThrow(/wrong POLLHOOK_MASTER_KEY/);
    const sealed = box.seal('hello');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('jello').toString('base64');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => box.open('garbage')).toThrow(/format/);
  });

  it('parses a generated master key and rejects a short one', () => {
    expect(parseMasterKey(generateMasterKey())).toHaveLength(32);
    expect(() => parseMasterKey(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
  });
});

describe('tokens', () => {
  it('makes keys and secrets of the documented shapes', () => {
    expect(generateApiKey()).toMatch(/^ph_[A-Za-z0-9_-]{43}$/);
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
  });

  it('hashes deterministically and compares in constant time', () => {
    expect(hashToken('a')).toBe(hashToken('a'));
    expect(hashToken('a')).not.toBe(hashToken('b'));
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});

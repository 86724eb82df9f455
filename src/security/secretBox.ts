import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM encryption at rest for credentials, http headers and signing secrets.
 * Format: `v1.<base64 iv>.<base64 tag>.<base64 ciphertext>`. The version prefix leaves room
 * for key rotation.
 */
export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
  sealJson(value: unknown): string;
  openJson<T>(sealed: string): T;
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export function parseMasterKey(base64: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== 32) {
    throw new SecretBoxError('POLLHOOK_MASTER_KEY must be base64 of exactly 32 bytes');
  }
  return key;
}

export const generateMasterKey = (): string => randomBytes(32).toString('base64');

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new SecretBoxError('master key must be 32 bytes');
  const seal = (plaintext: string): string => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `v1.${iv.toString('base64')}.${tag.toString('base64')}.${ct.toString('base64')}`;
  };
  const open = (sealed: string): string => {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') throw new SecretBoxError('unknown ciphertext format');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[1]!, 'base64'));
      decipher.setAuthTag(Buffer.from(parts[2]!, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('cannot decrypt: wrong POLLHOOK_MASTER_KEY or corrupted value');
    }
  };
  return {
    seal,
    open,
    sealJson: (value) => seal(JSON.stringify(value)),
    openJson: <T>(sealed: string) => JSON.parse(open(sealed)) as T,
  };
}

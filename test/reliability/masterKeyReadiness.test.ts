import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startStack, type Stack } from '../helpers/stack.ts';
import { createSecretBox } from '../../src/security/secretBox.ts';
import { reencryptSecrets } from '../../src/store/queries/masterKeyCheck.ts';

let stack: Stack | null = null;
afterEach(async () => {
  await stack?.close();
  stack = null;
});

describe('readiness and the master key', () => {
  it('a rotation run under a running service makes /readyz answer 503 (masterKey: false)', async () => {
    const key = randomBytes(32);
    stack = await startStack({ env: { POLLHOOK_MASTER_KEY: key.toString('base64') } });
    const before = await fetch(`${stack.service.url}/readyz`);
    expect(before.status).toBe(200);
    expect((await before.json()).checks).toMatchObject({ masterKey: true });

    reencryptSecrets(stack.service.db, createSecretBox(key), createSecretBox(randomBytes(32)), Date.now());

    const after = await fetch(`${stack.service.url}/readyz`);
    expect(after.status).toBe(503);
    expect((await after.json()).checks).toMatchObject({ masterKey: false });
  });
});

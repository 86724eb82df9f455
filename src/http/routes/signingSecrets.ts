import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { listSigningSecrets, rotateSigningSecret } from '../../store/queries/signingSecrets.ts';
import { iso } from '../present.ts';
import { authErrors, bearerSecurity, json } from '../schemas/common.ts';
import { SigningSecretList, SigningSecretRotated } from '../schemas/tenants.ts';

export function registerSigningSecretRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const { db, clock } = deps;

  const list = createRoute({
    method: 'get',
    path: '/v1/signing-secrets',
    tags: ['signing secrets'],
    summary: 'The secrets that sign webhooks now (never the secrets themselves)',
    description: 'The current secret (expiresAt null) and rotated-out ones still in their 24 h overlap.',
    security: bearerSecurity,
    responses: { 200: json(SigningSecretList, 'The active secrets, current first.'), ...authErrors },
  });
  app.openapi(list, (c) => {
    const data = listSigningSecrets(db, c.get('tenantId'), clock.now()).map((s) => ({
      id: s.id,
      createdAt: iso(s.createdAt)!,
      expiresAt: iso(s.expiresAt),
      current: s.current,
    }));
    return c.json({ data, nextCursor: null }, 200);
  });

  const rotate = createRoute({
    method: 'post',
    path: '/v1/signing-secrets/rotate',
    tags: ['signing secrets'],
    summary: 'Issue a new signing secret',
    description: 'Returns the new secret once. The previous one keeps signing for 24 h, so receivers can roll over.',
    security: bearerSecurity,
    responses: { 201: json(SigningSecretRotated, 'The new current secret.'), ...authErrors },
  });
  app.openapi(rotate, (c) => {
    const r = rotateSigningSecret(db, deps.secretBox, c.get('tenantId'), clock.now());
    c.get('logger').info({ secretId: r.id }, 'signing secret rotated');
    // The signing_secret.rotated event (docs/integrations.md) goes out now, not at the next tick.
    deps.hooks?.deliveriesQueued?.();
    deps.streams?.notify();
    return c.json(
      {
        id: r.id,
        secret: r.secret,
        createdAt: iso(r.createdAt)!,
        expiresAt: null,
        current: true,
        previousExpiresAt: iso(r.previousExpiresAt)!,
      },
      201,
    );
  });
}

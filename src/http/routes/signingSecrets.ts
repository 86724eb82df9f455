import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { isWellFormedId } from '../../core/ids.ts';
import { expireSigningSecret, listSigningSecrets, rotateSigningSecret } from '../../store/queries/signingSecrets.ts';
import { conflict, notFound } from '../problem.ts';
import { iso } from '../present.ts';
import { IdParam, authErrors, bearerSecurity, bodyErrors, conflictResponse, errorResponses, json, jsonBody } from '../schemas/common.ts';
import { SigningSecretList, SigningSecretRotated } from '../schemas/tenants.ts';
import { SigningSecretRotate } from '../schemas/apiKeys.ts';

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
    description:
      'Returns the new secret once. The previous one keeps signing for 24 h, so receivers can roll over; end that early with `DELETE /v1/signing-secrets/{id}`. No body is needed; one that is sent must be `{}`.',
    security: bearerSecurity,
    request: { body: { ...jsonBody(SigningSecretRotate), required: false } },
    responses: { 201: json(SigningSecretRotated, 'The new current secret.'), ...bodyErrors, ...authErrors },
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

  const expire = createRoute({
    method: 'delete',
    path: '/v1/signing-secrets/{id}',
    tags: ['signing secrets'],
    summary: 'Stop signing with a rotated-out secret now',
    description:
      'Ends the 24 h overlap of a previous secret early, once every receiver verifies with the new one. Webhooks sent from then on (within 10 s: signers cache the secrets that briefly) carry only the current signature. The current secret cannot be deleted (409): rotate first.',
    security: bearerSecurity,
    request: { params: IdParam('sec_01JD4W2M3N4P5Q6R7S8T9V0W1X') },
    responses: { 204: { description: 'The secret no longer signs.' }, 404: errorResponses[404], ...conflictResponse, ...authErrors },
  });
  app.openapi(expire, (c) => {
    const { id } = c.req.valid('param');
    const result = isWellFormedId(id, 'sec') ? expireSigningSecret(db, c.get('tenantId'), id, clock.now()) : 'not_found';
    if (result === 'not_found') throw notFound('signing secret');
    if (result === 'current') throw conflict('This is the current signing secret; rotate first, then delete the previous one.');
    c.get('logger').info({ secretId: id }, 'signing secret expired early');
    return c.body(null, 204);
  });
}

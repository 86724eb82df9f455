import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { isWellFormedId } from '../../core/ids.ts';
import { deleteConnection, getConnection, insertConnection, listConnections, updateConnection } from '../../store/queries/connections.ts';
import { conflict, notFound } from '../problem.ts';
import { presentConnection } from '../present.ts';
import { decodeCursor, page } from '../pagination.ts';
import {
  IdParam,
  ListQuery,
  authErrors,
  bearerSecurity,
  bodyErrors,
  conflictResponse,
  errorResponses,
  json,
  jsonBody,
  listOf,
} from '../schemas/common.ts';
import { ConnectionCreate, ConnectionPatch, ConnectionSchema } from '../schemas/connections.ts';

const ConnIdParam = IdParam('conn_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A');

export function registerConnectionRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const { db, clock, secretBox: box } = deps;

  const create = createRoute({
    method: 'post',
    path: '/v1/connections',
    tags: ['connections'],
    summary: 'Store upstream credentials for a provider',
    description: 'The credentials are encrypted at rest and never returned.',
    security: bearerSecurity,
    request: { body: jsonBody(ConnectionCreate) },
    responses: { 201: json(ConnectionSchema, 'Created.'), ...bodyErrors, ...authErrors },
  });
  app.openapi(create, (c) => {
    const body = c.req.valid('json');
    const row = insertConnection(
      db,
      {
        tenantId: c.get('tenantId'),
        provider: body.provider,
        name: body.name ?? null,
        credentialsEnc: box.sealJson({ apiKey: body.credentials.apiKey }),
      },
      clock.now(),
    );
    return c.json(presentConnection(row), 201);
  });

  const list = createRoute({
    method: 'get',
    path: '/v1/connections',
    tags: ['connections'],
    summary: 'List connections, newest first',
    security: bearerSecurity,
    request: { query: ListQuery },
    responses: { 200: json(listOf(ConnectionSchema, 'ConnectionList'), 'A page of connections.'), 422: errorResponses[422], ...authErrors },
  });
  app.openapi(list, (c) => {
    const q = c.req.valid('query');
    const rows = listConnections(db, c.get('tenantId'), { beforeId: decodeCursor(q.cursor, 'conn'), limit: q.limit + 1 });
    return c.json(page(rows, q.limit, presentConnection), 200);
  });

  const get = createRoute({
    method: 'get',
    path: '/v1/connections/{id}',
    tags: ['connections'],
    summary: 'One connection (without its credentials)',
    security: bearerSecurity,
    request: { params: ConnIdParam },
    responses: { 200: json(ConnectionSchema, 'The connection.'), 404: errorResponses[404], ...authErrors },
  });
  app.openapi(get, (c) => {
    const { id } = c.req.valid('param');
    const row = isWellFormedId(id, 'conn') ? getConnection(db, c.get('tenantId'), id) : undefined;
    if (!row) throw notFound('connection');
    return c.json(presentConnection(row), 200);
  });

  const patch = createRoute({
    method: 'patch',
    path: '/v1/connections/{id}',
    tags: ['connections'],
    summary: "Replace a connection's credentials, or rename it",
    description:
      'New credentials are encrypted at rest and used from the next poll of every job on this connection (jobs already ended, for example for rejected credentials, stay ended).',
    security: bearerSecurity,
    request: { params: ConnIdParam, body: jsonBody(ConnectionPatch) },
    responses: { 200: json(ConnectionSchema, 'The connection.'), 404: errorResponses[404], ...bodyErrors, ...authErrors },
  });
  app.openapi(patch, (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const row = isWellFormedId(id, 'conn')
      ? updateConnection(db, c.get('tenantId'), id, {
          name: body.name,
          credentialsEnc: body.credentials ? box.sealJson({ apiKey: body.credentials.apiKey }) : undefined,
        })
      : undefined;
    if (!row) throw notFound('connection');
    if (body.credentials) c.get('logger').info({ connectionId: id }, 'connection credentials replaced');
    return c.json(presentConnection(row), 200);
  });

  const remove = createRoute({
    method: 'delete',
    path: '/v1/connections/{id}',
    tags: ['connections'],
    summary: 'Delete a connection',
    description: 'Refused (409) while a job that is still tracked uses it.',
    security: bearerSecurity,
    request: { params: ConnIdParam },
    responses: { 204: { description: 'Deleted.' }, 404: errorResponses[404], ...conflictResponse, ...authErrors },
  });
  app.openapi(remove, (c) => {
    const { id } = c.req.valid('param');
    if (!isWellFormedId(id, 'conn')) throw notFound('connection');
    const result = deleteConnection(db, c.get('tenantId'), id, clock.now());
    if (result === 'not_found') throw notFound('connection');
    if (result === 'in_use') throw conflict('A job that is still tracked uses this connection; delete the job first.');
    return c.body(null, 204);
  });
}

import type { Context } from 'hono';
import type { AppDeps } from '../deps.ts';
import type { CallApi } from './api.ts';
import type { Flash } from './layout.tsx';
import type { Session } from './session.ts';

export interface UiEnv {
  Variables: {
    session: Session;
    api: CallApi;
    requestId: string;
  };
}

export type UiContext = Context<UiEnv>;

export interface Ui {
  deps: AppDeps;
}

/** Success messages after a redirect (POST, then GET): only these fixed texts can be shown. */
export const OK_MESSAGES: Record<string, string> = {
  'signed-out': 'You are signed out.',
  retried: 'The delivery is queued again.',
  'job-canceled': 'The job is no longer tracked: no more polls. Deliveries already queued still go out.',
  recovered: 'The dead deliveries are queued again.',
  'endpoint-created': 'The endpoint is subscribed.',
  'endpoint-saved': 'The endpoint is saved.',
  'endpoint-enabled': 'The endpoint is enabled.',
  'endpoint-disabled': 'The endpoint is disabled.',
  'endpoint-deleted': 'The endpoint is deleted.',
  'test-sent': 'A test event is queued for this endpoint; its delivery shows below.',
  'secret-expired': 'The previous signing secret no longer signs.',
  'connection-created': 'The connection is stored.',
  'connection-updated': 'The connection is updated; the next poll of each of its jobs uses it.',
  'connection-deleted': 'The connection is deleted.',
  'key-revoked': 'The API key is revoked.',
  'tenant-deleted': 'The tenant and everything it owned are deleted.',
};

export function flashOf(c: Context): Flash | null {
  const ok = c.req.query('ok');
  if (ok && OK_MESSAGES[ok]) {
    const n = c.req.query('n');
    return { kind: 'ok', text: n && /^\d+$/.test(n) ? `${OK_MESSAGES[ok]} (${n})` : OK_MESSAGES[ok]! };
  }
  return null;
}

/** Form fields as strings; repeated fields (checkboxes) as arrays. */
export async function formOf(c: Context): Promise<Record<string, string | string[]>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
    else if (typeof v === 'string') out[k] = v;
  }
  return out;
}

export const field = (form: Record<string, string | string[]>, name: string): string => {
  const v = form[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
};

export const fields = (form: Record<string, string | string[]>, name: string): string[] => {
  const v = form[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

/** Where to go back to after an action: only a dashboard path. */
export function backTo(value: string, fallback: string): string {
  return /^\/ui\/[A-Za-z0-9_\-/?=&.%]*$/.test(value) && !value.startsWith('/ui//') ? value : fallback;
}

export function withOk(path: string, key: string, n?: number): string {
  const sep = path.includes('?') ? '&' : '?';
  return `${path}${sep}ok=${key}${n === undefined ? '' : `&n=${n}`}`;
}

export const tenantOf = (c: UiContext): string | null => {
  const p = c.get('session').principal;
  return p.kind === 'tenant' ? p.tenantId : null;
};

/** `datetime-local` values carry no zone: the dashboard reads them as UTC, as its forms say. */
export function parseUtc(value: string): number | null {
  if (!value) return null;
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isFinite(ms) ? ms : null;
}

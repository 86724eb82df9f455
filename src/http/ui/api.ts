import type { Hono } from 'hono';
import type { Session } from './session.ts';

export interface ApiAnswer<T = any> {
  status: number;
  ok: boolean;
  body: T;
}

export interface Problem {
  title?: string;
  detail?: string;
  errors?: { path: string; message: string }[];
}

/**
 * The dashboard acts through the API itself (same validation, same transactions, same
 * presentation, so nothing the API hides can reach a page): a request handled in-process by the
 * app with the session's credential.
 */
export type CallApi = <T = any>(method: string, path: string, body?: unknown) => Promise<ApiAnswer<T>>;

export function apiCaller(app: Pick<Hono<any>, 'request'>, session: Session, requestId: string): CallApi {
  return async (method, path, body) => {
    const headers: Record<string, string> = { authorization: `Bearer ${session.principal.credential}`, 'x-request-id': requestId };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await app.request(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: any = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { detail: text };
    }
    return { status: res.status, ok: res.ok, body: parsed };
  };
}

/** One line for a problem answer: its detail and every field error. */
export function problemText(p: Problem | null | undefined): string {
  if (!p) return 'The request failed.';
  const fields = (p.errors ?? []).map((e) => `${e.path || 'body'}: ${e.message}`);
  return [p.detail ?? p.title ?? 'The request failed.', ...fields].join(' · ');
}

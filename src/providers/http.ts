/**
 * The declarative provider for any JSON status endpoint: a URL template with `{externalId}`,
 * headers, and JSON Pointers to the status, progress, result URLs and error message. A status in
 * none of the `states` lists is unknown: the observation's state is null.
 */
import type { Provider } from './types.ts';
import { clampProgress, failure, JSON_ACCEPT, mapState, observed, readJson, resultOf } from './common.ts';
import { resolvePointer } from './jsonPointer.ts';

export const expandUrlTemplate = (template: string, externalId: string): string =>
  template.replace(/\{externalId\}/g, encodeURIComponent(externalId));

/** Strings and numbers are read as statuses (some APIs use numeric codes). */
function asStatus(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function urlsAt(body: unknown, paths: readonly string[]): string[] {
  const urls: string[] = [];
  for (const path of paths) {
    const v = resolvePointer(body, path);
    if (typeof v === 'string' && v !== '') urls.push(v);
    else if (Array.isArray(v)) for (const u of v) if (typeof u === 'string' && u !== '') urls.push(u);
  }
  return urls;
}

export const http: Provider = {
  name: 'http',
  defaultBaseUrl: null,
  defaults: {
    pollIntervalMs: 5_000,
    maxPollIntervalMs: 60_000,
    typicalDurationMs: null,
  },
  // Each job brings its own table (target.http.spec.states).
  states: {},
  buildRequest(target) {
    if (!target.http) throw new Error('the http provider needs target.http');
    return {
      url: expandUrlTemplate(target.http.spec.url, target.externalId),
      headers: { ...JSON_ACCEPT, ...lowerCaseKeys(target.http.headers) },
    };
  },
  parseResponse(res, target, now) {
    const spec = target.http?.spec;
    if (!spec) return failure({ kind: 'malformed', message: 'the http provider needs a spec' });
    const json = readJson(res, now);
    if (!json.ok) return json.outcome;
    const body = json.value;
    let status: string | null;
    try {
      status = asStatus(resolvePointer(body, spec.statusPath));
    } catch (err) {
      return failure({ kind: 'malformed', status: res.status, message: (err as Error).message });
    }
    if (status == null) {
      return failure({ kind: 'malformed', status: res.status, message: `no status string at ${spec.statusPath}` });
    }
    try {
      const state = mapState(spec.states, status);
      const message = spec.errorMessagePath ? resolvePointer(body, spec.errorMessagePath) : undefined;
      const errorMessage = typeof message === 'string' && message !== '' ? message : null;
      return observed({
        state,
        upstreamStatus: status,
        progress: spec.progressPath ? clampProgress(toNumber(resolvePointer(body, spec.progressPath))) : null,
        result: resultOf(state, urlsAt(body, spec.resultUrlPaths ?? [])),
        error:
          errorMessage != null
            ? { code: 'upstream_failed', message: errorMessage }
            : state === 'failed'
              ? { code: 'upstream_failed', message: `upstream status ${status}` }
              : null,
        raw: body,
      });
    } catch (err) {
      return failure({ kind: 'malformed', status: res.status, message: (err as Error).message });
    }
  },
};

/** Progress given as a numeric string ("42.5") is accepted too. */
function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}

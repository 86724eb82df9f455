/**
 * What a claimed job needs to be polled: its provider, decrypted credentials or http spec and
 * headers, the base URL, the origin (for the per-origin cap) and the key of its rate budget.
 */
import type { JobRow } from '../store/rows.ts';
import type { Database } from '../store/port.ts';
import type { SecretBox } from '../security/secretBox.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { HttpSpec, PollTarget, Provider, ProviderCredentials } from '../providers/types.ts';
import type { ProviderName } from '../core/types.ts';

export interface ResolvedTarget {
  provider: Provider;
  target: PollTarget;
  baseUrl: string;
  origin: string;
  /** Jobs sharing this key share one upstream credential (rate budget, batch polling). */
  budgetKey: string;
}

export type Resolution = { ok: true; value: ResolvedTarget } | { ok: false; provider: Provider | null; message: string };

export function resolveTarget(
  db: Database,
  row: JobRow,
  providers: ProviderRegistry,
  secretBox: SecretBox,
): Resolution {
  const provider = providers.get(row.provider) ?? null;
  if (!provider) return { ok: false, provider, message: `unknown provider ${row.provider}` };
  try {
    if (provider.name === 'http') {
      if (!row.http_spec) return { ok: false, provider, message: 'the http provider needs a spec' };
      const spec = JSON.parse(row.http_spec) as HttpSpec;
      const headers = row.http_headers_enc ? secretBox.openJson<Record<string, string>>(row.http_headers_enc) : {};
      const origin = new URL(spec.url.replace(/\{externalId\}/g, 'x')).origin;
      return {
        ok: true,
        value: {
          provider,
          target: targetOf(row, null, { spec, headers }),
          baseUrl: '',
          origin,
          budgetKey: `http:${origin}:${fnv1a(JSON.stringify(headers))}`,
        },
      };
    }
    const baseUrl = providers.baseUrl(provider.name as ProviderName);
    if (!baseUrl) return { ok: false, provider, message: `no base URL for ${provider.name}` };
    const credentials = credentialsOf(db, row, secretBox);
    if (!credentials) return { ok: false, provider, message: 'the job has no credentials' };
    return {
      ok: true,
      value: {
        provider,
        target: targetOf(row, credentials, null),
        baseUrl,
        origin: originOf(baseUrl),
        budgetKey: `${provider.name}:${row.connection_id ?? credentialTag(credentials)}`,
      },
    };
  } catch (err) {
    return { ok: false, provider, message: `cannot prepare the poll: ${(err as Error).message}` };
  }
}

// Built in one literal (not a base object spread into each variant): this runs on every poll.
function targetOf(row: JobRow, credentials: ProviderCredentials | null, http: PollTarget['http']): PollTarget {
  return {
    externalId: row.external_id,
    validators: { etag: row.etag, lastModified: row.last_modified },
    previousState: row.state as PollTarget['previousState'],
    requestId: `${row.id}.${row.poll_count + 1}`,
    credentials,
    http,
  };
}

/**
 * The tag of credentials sealed on the job itself, remembered per opened credentials object:
 * the secret cache hands back the same object for the same sealed value, so the key is not
 * hashed again on every poll.
 */
const credentialTags = new WeakMap<ProviderCredentials, string>();
function credentialTag(credentials: ProviderCredentials): string {
  let tag = credentialTags.get(credentials);
  if (tag === undefined) {
    tag = fnv1a(credentials.apiKey);
    credentialTags.set(credentials, tag);
  }
  return tag;
}

/** A provider's base URL is one of a few: parse each once, not once per poll. */
const origins = new Map<string, string>();
function originOf(baseUrl: string): string {
  let origin = origins.get(baseUrl);
  if (origin === undefined) {
    origin = new URL(baseUrl).origin;
    if (origins.size >= 100) origins.clear();
    origins.set(baseUrl, origin);
  }
  return origin;
}

function credentialsOf(db: Database, row: JobRow, secretBox: SecretBox): ProviderCredentials | null {
  if (row.credentials_enc) return secretBox.openJson<ProviderCredentials>(row.credentials_enc);
  if (!row.connection_id) return null;
  const conn = db
    .prepare<{ credentials_enc: string }>('SELECT credentials_enc FROM connections WHERE id = ?')
    .get(row.connection_id);
  return conn ? secretBox.openJson<ProviderCredentials>(conn.credentials_enc) : null;
}

/** A short, non-reversible tag for a secret, so budgets are keyed without keeping the key around. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

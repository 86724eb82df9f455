import { checkUrl, checkUrlSyntax } from '../security/ssrf.ts';
import type { AppDeps } from './deps.ts';
import { ProblemError, type FieldError } from './problem.ts';

/** What `{externalId}` becomes when an http provider URL is checked at registration. */
const SAMPLE_EXTERNAL_ID = 'sample-external-id';

const UNSAFE_URL_CHARACTERS = /[\p{Cc}\p{Cs}\p{Zs}\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/u;

/**
 * The SSRF guard for a user-supplied URL at registration (the connection-time guard in the
 * runtime's HTTP client catches DNS rebinding later). Null when the URL is acceptable.
 */
export async function checkTargetUrl(deps: AppDeps, url: string, path: string): Promise<FieldError | null> {
  const syntax = targetUrlSyntaxError(deps, url, path);
  if (syntax) return syntax;
  const result = await checkUrl(url.replaceAll('{externalId}', SAMPLE_EXTERNAL_ID), policyOf(deps), deps.resolver);
  if (result.ok) return null;
  // The DNS server failing is not the client's mistake: a 503 the client retries, not a 422.
  if (result.temporary) {
    throw new ProblemError('unavailable', `${result.reason}; nothing was stored, try again.`, [{ path, message: result.reason }], {
      'Retry-After': String(DNS_RETRY_AFTER_SECONDS),
    });
  }
  return { path, message: result.reason };
}

const DNS_RETRY_AFTER_SECONDS = 5;

/**
 * Everything checkTargetUrl checks but DNS: run on the raw input when the schema fails too, so
 * a bad scheme is reported with the other invalid fields. Null for a value that is not a string
 * or that breaks its schema rule (empty, too long): the schema reports that one.
 */
export function targetUrlSyntaxError(deps: AppDeps, url: unknown, path: string): FieldError | null {
  if (typeof url !== 'string' || url === '' || url.length > MAX_URL_LENGTH) return null;
  // The URL parser would quietly strip or percent-encode these, so the stored URL (returned,
  // logged, shown in dashboards) would not be the one requested: refuse them instead.
  if (UNSAFE_URL_CHARACTERS.test(url)) {
    return { path, message: 'must not contain whitespace, control, bidirectional-override or unpaired surrogate characters' };
  }
  const result = checkUrlSyntax(url.replaceAll('{externalId}', SAMPLE_EXTERNAL_ID), policyOf(deps));
  return result.ok ? null : { path, message: result.reason };
}

/**
 * The form a callback or subscription URL is stored, returned, compared and called in: the
 * WHATWG serialization (`http://h/caf%C3%A9`, a lower-case host, no default port). A value that
 * does not parse, or holds characters the parser would strip (which the checks refuse), stays as
 * it is: ` https://h/x\t` must not become a valid URL, nor equal to a registered one.
 */
export function normalizedUrl(url: string): string {
  if (UNSAFE_URL_CHARACTERS.test(url)) return url;
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

const MAX_URL_LENGTH = 2048;
const policyOf = (deps: AppDeps) => ({ allowPrivate: deps.config.allowPrivateNetworks, allowHttp: deps.config.allowHttp });

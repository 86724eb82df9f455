import { checkUrl } from '../security/ssrf.ts';
import type { AppDeps } from './deps.ts';
import type { FieldError } from './problem.ts';

/** What `{externalId}` becomes when an http provider URL is checked at registration. */
const SAMPLE_EXTERNAL_ID = 'sample-external-id';

const UNSAFE_URL_CHARACTERS = /[\p{Cc}\p{Cs}\p{Zs}\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/u;

/**
 * The SSRF guard for a user-supplied URL at registration (the connection-time guard in the
 * runtime's HTTP client catches DNS rebinding later). Null when the URL is acceptable.
 */
export async function checkTargetUrl(deps: AppDeps, url: string, path: string): Promise<FieldError | null> {
  // The URL parser would quietly strip or percent-encode these, so the stored URL (returned,
  // logged, shown in dashboards) would not be the one requested: refuse them instead.
  if (UNSAFE_URL_CHARACTERS.test(url)) {
    return { path, message: 'must not contain whitespace, control, bidirectional-override or unpaired surrogate characters' };
  }
  const result = await checkUrl(
    url.replaceAll('{externalId}', SAMPLE_EXTERNAL_ID),
    { allowPrivate: deps.config.allowPrivateNetworks, allowHttp: deps.config.allowHttp },
    deps.resolver,
  );
  return result.ok ? null : { path, message: result.reason };
}

import { checkUrl } from '../security/ssrf.ts';
import type { AppDeps } from './deps.ts';
import type { FieldError } from './problem.ts';

/** What `{externalId}` becomes when an http provider URL is checked at registration. */
const SAMPLE_EXTERNAL_ID = 'sample-external-id';

/**
 * The SSRF guard for a user-supplied URL at registration (the connection-time guard in the
 * runtime's HTTP client catches DNS rebinding later). Null when the URL is acceptable.
 */
export async function checkTargetUrl(deps: AppDeps, url: string, path: string): Promise<FieldError | null> {
  const result = await checkUrl(
    url.replaceAll('{externalId}', SAMPLE_EXTERNAL_ID),
    { allowPrivate: deps.config.allowPrivateNetworks, allowHttp: deps.config.allowHttp },
    deps.resolver,
  );
  return result.ok ? null : { path, message: result.reason };
}

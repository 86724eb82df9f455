import { unknownVariables, type Config } from '../../config.ts';
import type { Logger } from '../../core/logger.ts';
import { checkAddress } from '../../security/ssrf.ts';

/** Where cloud providers serve instance credentials: never a legitimate callback target. */
const CLOUD_METADATA = '169.254.169.254';

/**
 * An admin token shorter than this is guessable. Only a warning: existing deployments and local
 * setups with short tokens keep starting (docs/decisions.md, "Configuration floors").
 */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

/**
 * Unknown POLLHOOK_* names (likely typos), a short admin token, and a private-network allowance
 * that includes cloud metadata.
 */
export function warnAboutConfiguration(env: Record<string, string | undefined>, config: Config, logger: Logger): void {
  if (config.adminToken != null && config.adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    // The length only: the token itself is never logged.
    logger.warn(
      { length: config.adminToken.length },
      `POLLHOOK_ADMIN_TOKEN is short (${config.adminToken.length} of at least ${MIN_ADMIN_TOKEN_LENGTH} characters): anyone who guesses it manages every tenant; use a long random one, e.g. \`openssl rand -hex 32\``,
    );
  }
  const unknown = unknownVariables(env);
  if (unknown.length) logger.warn({ variables: unknown }, `ignoring unknown variables (a typo?): ${unknown.join(', ')}; \`pollhook serve --help\` lists the ones read`);
  if (config.allowPrivateNetworks === true) {
    logger.warn(
      'POLLHOOK_ALLOW_PRIVATE_NETWORKS=true lets callbacks and upstream URLs reach every private address, including the cloud metadata service at 169.254.169.254 and all of 10.0.0.0/8; allow only what you need, e.g. 127.0.0.1/32,::1/128',
    );
  } else if (checkAddress(CLOUD_METADATA, { allowPrivate: config.allowPrivateNetworks, allowHttp: true }).ok) {
    logger.warn(
      { allowed: config.allowPrivateNetworks },
      `POLLHOOK_ALLOW_PRIVATE_NETWORKS includes ${CLOUD_METADATA}, the cloud metadata service: callbacks and upstream URLs can reach it`,
    );
  }
}

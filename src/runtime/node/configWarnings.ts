import { unknownVariables, type Config } from '../../config.ts';
import type { Logger } from '../../core/logger.ts';
import { checkAddress } from '../../security/ssrf.ts';

/** Where cloud providers serve instance credentials: never a legitimate callback target. */
const CLOUD_METADATA = '169.254.169.254';

/** Unknown POLLHOOK_* names (likely typos) and a private-network allowance that includes cloud metadata. */
export function warnAboutConfiguration(env: Record<string, string | undefined>, config: Config, logger: Logger): void {
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

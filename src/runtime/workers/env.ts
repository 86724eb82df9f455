import type { DurableObjectNamespace } from './platform.ts';

/** The Worker's bindings (wrangler.toml) and its variables and secrets, all strings. */
export interface WorkersEnv {
  SHARDS: DurableObjectNamespace;
  DIRECTORY: DurableObjectNamespace;
  POLLHOOK_ADMIN_TOKEN?: string;
  POLLHOOK_MASTER_KEY?: string;
  [variable: string]: unknown;
}

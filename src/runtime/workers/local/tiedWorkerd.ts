/**
 * Makes every workerd that Miniflare starts from this process exit with it. Miniflare kills its
 * workerd on a clean exit and on the signals Node can catch, but not when node itself is killed
 * (SIGKILL, an OOM kill, a crash of the runtime): workerd then keeps serving on the port and the
 * next `npm run dev:workers` finds it taken. Miniflare runs the binary named by
 * MINIFLARE_WORKERD_PATH; this points it at workerd-tied.sh, which execs the real workerd with a
 * watcher on this process. Not on Windows (no sh there): workerd is started as before.
 */
import { accessSync, chmodSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const WRAPPER = fileURLToPath(new URL('./workerd-tied.sh', import.meta.url));

export function tieWorkerdToThisProcess(): void {
  if (process.platform === 'win32' || process.env.MINIFLARE_WORKERD_PATH === WRAPPER) return;
  const require = createRequire(import.meta.url);
  const real = process.env.MINIFLARE_WORKERD_PATH ?? (createRequire(require.resolve('miniflare'))('workerd') as { default: string }).default;
  try {
    accessSync(WRAPPER, constants.X_OK);
  } catch {
    // A copy that lost its mode (an archive, a copy tool): the checkout is ours to fix.
    chmodSync(WRAPPER, 0o755);
  }
  process.env.WORKERD_TIED_BIN = real;
  process.env.MINIFLARE_WORKERD_PATH = WRAPPER;
}

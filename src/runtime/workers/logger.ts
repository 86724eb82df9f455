import type { Logger } from '../../core/logger.ts';

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;
type Level = keyof typeof LEVELS;
/** Fields never written, wherever they appear (as the Node logger's redaction). */
const SECRET_KEYS = new Set(['apiKey', 'credentials', 'secret', 'signingSecret', 'secrets', 'authorization', 'headers']);

/** JSON lines on the console (Workers Logs collects them), with the Node logger's redaction. */
export function createConsoleLogger(level: string, bindings: Record<string, unknown> = { service: 'pollhook' }): Logger {
  const min = LEVELS[(level as Level) in LEVELS ? (level as Level) : 'info'];
  const write = (lvl: Level) => (obj: object | string, msg?: string) => {
    if (LEVELS[lvl] < min) return;
    const fields = typeof obj === 'string' ? { msg: obj } : { ...redact(obj), ...(msg ? { msg } : {}) };
    const line = JSON.stringify({ level: lvl, time: new Date().toISOString(), ...bindings, ...fields });
    if (lvl === 'error' || lvl === 'warn') console.error(line);
    else console.log(line);
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => createConsoleLogger(level, { ...bindings, ...more }),
  };
}

function redact(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (SECRET_KEYS.has(k)) out[k] = '[redacted]';
    else if (v instanceof Error) out[k] = { type: v.name, message: v.message };
    else out[k] = v;
  }
  return out;
}

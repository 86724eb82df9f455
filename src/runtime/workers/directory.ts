import { openDurableSqlite } from './sqlDriver.ts';
import type { Database } from '../../store/port.ts';
import type { DurableObjectState } from './platform.ts';
import type { WorkersEnv } from './env.ts';
import { DEFAULT_SHARD, routedKey } from './routing.ts';

/**
 * The directory: one small Durable Object listing every tenant and its shard, for admin
 * operations only (no request of a tenant reads it: the key names the shard). Reached only
 * through its stub, never by a public route.
 */
export class PollhookDirectory {
  private readonly db: Database;

  constructor(
    ctx: DurableObjectState,
    private readonly env: WorkersEnv,
  ) {
    this.db = openDurableSqlite(ctx.storage);
    this.db.transaction(() =>
      this.db.exec(`CREATE TABLE IF NOT EXISTS tenants (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, shard TEXT NOT NULL, created_at INTEGER NOT NULL)`),
    );
  }

  async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === '/tenants' && request.method === 'POST') {
      const t = (await request.json()) as { id: string; name: string; shard: string };
      this.register(t);
      return Response.json({ ok: true }, { status: 201 });
    }
    if (path === '/tenants') {
      return Response.json({ data: this.db.prepare('SELECT id, name, shard, created_at FROM tenants ORDER BY id').all() });
    }
    const one = /^\/tenants\/([^/]+)$/.exec(path);
    if (one) {
      const row = this.db.prepare('SELECT id, name, shard FROM tenants WHERE id = ?').get(decodeURIComponent(one[1]!));
      return row ? Response.json(row) : Response.json({ error: 'no such tenant' }, { status: 404 });
    }
    if (path === '/bootstrap' && request.method === 'POST') return this.bootstrap();
    return Response.json({ error: 'no such directory operation' }, { status: 404 });
  }

  /** The default tenant in the default shard, created once: its key and secret are shown then only. */
  private async bootstrap(): Promise<Response> {
    // Known already: the default shard is not woken (a restart sends no request to any shard).
    if (this.db.prepare('SELECT 1 FROM tenants WHERE shard = ?').get(DEFAULT_SHARD)) return Response.json({ created: false });
    const stub = this.env.SHARDS.get(this.env.SHARDS.idFromName(DEFAULT_SHARD));
    const res = await stub.fetch('https://shard/__shard/bootstrap', { method: 'POST' });
    const body = (await res.json()) as { created: boolean; id?: string; name?: string; apiKey?: string; signingSecret?: string };
    if (!body.created) return Response.json({ created: false });
    this.register({ id: body.id!, name: body.name ?? 'default', shard: DEFAULT_SHARD });
    return Response.json({ ...body, apiKey: await routedKey(this.env.POLLHOOK_MASTER_KEY ?? '', DEFAULT_SHARD, body.apiKey!) });
  }

  private register(t: { id: string; name: string; shard: string }): void {
    this.db.prepare('INSERT OR IGNORE INTO tenants (id, name, shard, created_at) VALUES (?, ?, ?, ?)').run(t.id, t.name, t.shard, Date.now());
  }
}

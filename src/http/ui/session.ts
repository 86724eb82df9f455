/**
 * Dashboard sessions. A signed-in browser holds only a random session id (HttpOnly cookie); the
 * credential it signed in with stays in this process's memory, so every dashboard action goes
 * through the API with that credential and is refused the moment the key is revoked.
 * Sessions live in memory: a restart signs everyone out (see docs/decisions.md, Dashboard).
 */
export type Principal =
  | { kind: 'tenant'; tenantId: string; keyId: string; credential: string }
  | { kind: 'admin'; credential: string };

export interface Session {
  id: string;
  principal: Principal;
  /** The CSRF token every state-changing form carries. */
  csrf: string;
  expiresAt: number;
}

export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;

export function randomToken(bytes = 32): string {
  const buf = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(buf);
  let s = '';
  for (const b of buf) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number) {}

  create(principal: Principal): Session {
    this.prune();
    if (this.sessions.size >= MAX_SESSIONS) {
      // The oldest first: Map iteration is insertion order.
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const session: Session = { id: randomToken(), principal, csrf: randomToken(), expiresAt: this.now() + SESSION_TTL_MS };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    if (s.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return null;
    }
    return s;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  private prune(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}

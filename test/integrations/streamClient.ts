import { readSse, type SseMessage } from '../../src/cli/sseClient.ts';

export interface OpenStream {
  res: Response;
  messages: AsyncGenerator<SseMessage>;
  /** The next n events (comments skipped), parsed. */
  events(n: number): Promise<Array<{ id: string; event: string; data: any }>>;
  close(): void;
}

export async function openStream(url: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const messages = res.body ? readSse(res.body) : (async function* () {})();
  return {
    res,
    messages,
    async events(n) {
      const out: Array<{ id: string; event: string; data: any }> = [];
      while (out.length < n) {
        const { value, done } = await messages.next();
        if (done) throw new Error(`stream ended after ${out.length} of ${n} events`);
        if (value.kind === 'event') out.push({ id: value.id!, event: value.event, data: JSON.parse(value.data) });
      }
      return out;
    },
    close: () => abort.abort(),
  };
}

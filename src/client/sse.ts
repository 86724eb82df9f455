/**
 * An incremental `text/event-stream` parser, as the HTML standard defines it (the part a client
 * of pollhook needs): bytes in, dispatched events out. Web-standard APIs only.
 */
export interface SseEvent {
  /** The last event ID once this event was dispatched (ids persist across events). */
  lastEventId: string;
  event: string;
  data: string;
}

export interface SseChunk {
  events: SseEvent[];
  /** The reconnection time the server asked for (`retry:`), when it did. */
  retryMs?: number;
}

export class SseParser {
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private started = false;
  /** A chunk ended with CR: a LF opening the next chunk belongs to that line end. */
  private pendingCr = false;
  private lastEventId = '';
  private event = '';
  private data: string[] = [];
  private hasData = false;

  constructor(lastEventId = '') {
    this.lastEventId = lastEventId;
  }

  push(bytes: Uint8Array): SseChunk {
    let text = this.decoder.decode(bytes, { stream: true });
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.pendingCr && text.length > 0) {
      if (text.startsWith('\n')) text = text.slice(1);
      this.pendingCr = false;
    }
    this.buffer += text;
    const out: SseChunk = { events: [] };
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer.charCodeAt(i);
      if (ch !== 0x0a && ch !== 0x0d) continue;
      this.line(this.buffer.slice(start, i), out);
      if (ch === 0x0d) {
        if (i + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer.charCodeAt(i + 1) === 0x0a) i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string, out: SseChunk): void {
    if (line === '') return this.dispatch(out);
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.data.push(value);
      this.hasData = true;
    } else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^[0-9]+$/.test(value)) out.retryMs = Number(value);
  }

  private dispatch(out: SseChunk): void {
    if (this.hasData) out.events.push({ lastEventId: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') });
    this.event = '';
    this.data = [];
    this.hasData = false;
  }
}

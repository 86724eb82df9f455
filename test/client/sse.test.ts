import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SseParser, type SseEvent } from '../../src/client/sse.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

function parse(chunks: Uint8Array[], lastEventId?: string) {
  const parser = new SseParser(lastEventId);
  const events: SseEvent[] = [];
  let retryMs: number | undefined;
  for (const chunk of chunks) {
    const out = parser.push(chunk);
    events.push(...out.events);
    if (out.retryMs !== undefined) retryMs = out.retryMs;
  }
  return { events, retryMs };
}

const STREAM =
  '\uFEFF: connected\nretry: 2000\n\n' +
  'id: 41\nevent: job.running\ndata: {"a":1}\n\n' +
  'data: first line\r\ndata:second line\r\ndata\r\n\r\n' + // no id: keeps 41; a bare `data` adds an empty line
  'id: 42\revent: job.succeeded\rdata: {"é":"ü"}\r\r' +
  'id: 43\nevent: ignored without data\n\n' +
  'id: a\u0000b\nretry: soon\ndata: x\n\n' + // an id with NUL and a non-numeric retry are ignored
  'data: unterminated';

const EXPECTED: SseEvent[] = [
  { lastEventId: '41', event: 'job.running', data: '{"a":1}' },
  { lastEventId: '41', event: 'message', data: 'first line\nsecond line\n' },
  { lastEventId: '42', event: 'job.succeeded', data: '{"é":"ü"}' },
  { lastEventId: '43', event: 'message', data: 'x' },
];

describe('SseParser', () => {
  it('parses the event-stream format: ids persist, comments and unknown fields are skipped, any line end', () => {
    expect(parse([bytes(STREAM)])).toEqual({ events: EXPECTED, retryMs: 2000 });
  });

  it('gives the same events however the bytes are split (CR LF and UTF-8 sequences across chunks)', () => {
    const all = bytes(STREAM);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 40 }), (cuts) => {
        const bounds = [0, ...cuts.sort((a, b) => a - b), all.length];
        const chunks = bounds.slice(1).map((end, i) => all.subarray(bounds[i], end));
        expect(parse(chunks).events).toEqual(EXPECTED);
      }),
      { numRuns: 300 },
    );
    // Byte by byte, explicitly: every CR LF and every multi-byte character is split somewhere.
    expect(parse([...all].map((b) => Uint8Array.of(b))).events).toEqual(EXPECTED);
  });

  it('starts from the given last event id, and a CR at a chunk end is one line end with the LF after it', () => {
    expect(parse([bytes('data: a\r'), bytes('\ndata: b\r\n\r\n')], '7').events).toEqual([{ lastEventId: '7', event: 'message', data: 'a\nb' }]);
    expect(parse([bytes('data: a\r'), new Uint8Array(0), bytes('\ndata: b\n\n')]).events).toEqual([{ lastEventId: '', event: 'message', data: 'a\nb' }]);
    expect(parse([bytes('data: a\r'), bytes('\r')]).events).toEqual([{ lastEventId: '', event: 'message', data: 'a' }]);
  });
});

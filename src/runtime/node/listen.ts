import { serve, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { ConfigError } from '../../config.ts';
import type { Logger } from '../../core/logger.ts';
import { answerClientErrorsAsProblems } from './clientErrors.ts';

export interface Listening {
  server: ServerType;
  /** The address bound, as a URL: `http://0.0.0.0:8080`, `http://[::]:41234`. */
  address: string;
  port: number;
  /** A URL to reach it from this machine (loopback in place of a wildcard address). */
  url: string;
}

/**
 * How long a client may take to send a request. Node's defaults let a client that sends a
 * Content-Length and then trickles (or stops) hold its connection for 5 minutes. Both cover only
 * receiving the request: a long response (the event stream) is not cut by them.
 */
export interface ServerTimeouts {
  /** From the first byte to the end of the headers. */
  headersTimeoutMs: number;
  /** From the first byte to the end of the body. */
  requestTimeoutMs: number;
}

export const DEFAULT_SERVER_TIMEOUTS: ServerTimeouts = { headersTimeoutMs: 15_000, requestTimeoutMs: 30_000 };

/**
 * Node checks the deadlines on an interval (30 s by default, which could double the request
 * timeout); a third of the shorter one keeps the overrun small at the cost of a walk over the
 * open connections every few seconds.
 */
const checkingIntervalMs = (t: ServerTimeouts) => Math.max(100, Math.min(5_000, Math.floor(Math.min(t.headersTimeoutMs, t.requestTimeoutMs) / 3)));

/**
 * Binds the HTTP server. A bind that fails (port taken, no permission, an address this machine
 * does not have) becomes a ConfigError naming the variable to change, not an unhandled 'error'.
 */
export function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  host: string,
  logger?: Logger,
  timeouts: ServerTimeouts = DEFAULT_SERVER_TIMEOUTS,
): Promise<Listening> {
  const serverOptions = {
    headersTimeout: timeouts.headersTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    connectionsCheckingInterval: checkingIntervalMs(timeouts),
  };
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname: host, serverOptions }, () => {
      server.off('error', onError);
      const info = server.address() as AddressInfo;
      const bound = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      const reachable = info.address === '0.0.0.0' ? '127.0.0.1' : info.address === '::' ? '[::1]' : bound;
      resolve({ server, address: `http://${bound}:${info.port}`, port: info.port, url: `http://${reachable}:${info.port}` });
    });
    const onError = (err: NodeJS.ErrnoException) => {
      server.close();
      reject(bindError(err, port, host));
    };
    server.once('error', onError);
    answerClientErrorsAsProblems(server as Server, logger);
  });
}

/**
 * Whether the port can be bound, checked with a throwaway listener before the start writes
 * anything (master.key, the database): a port in use must not leave a half-initialised data
 * directory behind. Advisory: the port can still be taken before the real bind, which then
 * fails with the same message. Errors other than the ones a setting fixes are left to that bind.
 */
export function probePort(port: number, host: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const mapped = bindError(err, port, host);
      if (mapped instanceof ConfigError) reject(mapped);
      else resolve();
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

function bindError(err: NodeJS.ErrnoException, port: number, host: string): Error {
  switch (err.code) {
    case 'EADDRINUSE':
      return new ConfigError(`port ${port} is in use`, 'set PORT');
    case 'EACCES':
      return new ConfigError(`no permission to listen on port ${port}`, 'set PORT');
    case 'EADDRNOTAVAIL':
      return new ConfigError(`${host} is not an address of this machine`, 'set POLLHOOK_HOST');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(`cannot resolve ${host}`, 'set POLLHOOK_HOST');
    default:
      return err;
  }
}

/**
 * Endpoints that never answer, for the deadline tests: a server that accepts TCP connections and
 * holds them without a byte in reply (what a dead load balancer, a firewall that drops replies or
 * a hung service looks like from a client), and a proxy to a real engine (moto) that forwards
 * every request except the ones it is told to hold: those are read and never answered, and never
 * reach the engine, so the test knows exactly which calls took effect.
 */
import { createServer as createTcpServer, type Socket } from 'node:net';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { forwardTo, readAll } from './moto.js';

export interface Silent {
  /** http://127.0.0.1:<port> (use https:// in a kubeconfig: the TLS handshake then never completes). */
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Everything received on each connection, as text (HTTP requests in the clear; TLS is not). */
  received(): string[];
  /** The AWS JSON operations (X-Amz-Target) of the requests received. */
  operations(): string[];
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1 that accepts and reads, and never answers or closes. */
export async function startSilentServer(): Promise<Silent> {
  const sockets: Socket[] = [];
  const data: string[] = [];
  const server = createTcpServer((socket) => {
    const i = data.push('') - 1;
    sockets.push(socket);
    socket.on('data', (b) => void (data[i] += b.toString('latin1')));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => data.length,
    received: () => [...data],
    operations: () => data.flatMap((d) => [...d.matchAll(/^x-amz-target: *[\w.]*\.(\w+)\r?$/gim)].map((m) => m[1]!)),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface HoldingProxy {
  readonly url: string;
  /** Every request: its operation (X-Amz-Target, else "METHOD path") and whether it was held. */
  readonly log: { readonly op: string; readonly held: boolean }[];
  close(): Promise<void>;
}

/** A proxy to `target` (moto) that holds, unanswered and unforwarded, every request `hold` picks. */
export async function startHoldingProxy(target: string, hold: (op: string) => boolean): Promise<HoldingProxy> {
  const forward = forwardTo(target);
  const log: HoldingProxy['log'][number][] = [];
  const held: ServerResponse[] = [];
  const server = createHttpServer(async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readAll(req);
    const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() || `${req.method} ${req.url}`;
    const holdIt = hold(op);
    log.push({ op, held: holdIt });
    if (holdIt) {
      held.push(res);
      return;
    }
    const answer = await forward(req, body);
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

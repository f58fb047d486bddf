import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { coalesceFlushes } from '@herald/realtime';

/** Counts the calls that hand bytes to the kernel on one server-side TCP socket. */
interface TcpWrites {
  calls: number;
}

function countWrites(socket: ServerSocket): TcpWrites {
  const conn = socket.conn as unknown as { transport: { name: string; socket?: { _socket?: Record<string, unknown> } } };
  const tcp = conn.transport.socket?._socket as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void } | undefined;
  const counter: TcpWrites = { calls: 0 };
  if (!tcp) return counter;
  for (const name of ['_write', '_writev'] as const) {
    const original = tcp[name].bind(tcp);
    tcp[name] = (...args: unknown[]) => {
      counter.calls++;
      return original(...args);
    };
  }
  return counter;
}

describe('one flush of several packets is one write to the kernel', () => {
  let http: HttpServer;
  let server: Server;
  let url: string;
  const clients: ClientSocket[] = [];

  async function start(coalesce: boolean): Promise<void> {
    http = createServer();
    server = new Server(http, { transports: ['websocket', 'polling'] });
    if (coalesce) coalesceFlushes(server);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Connects a client, bursts `count` emits at it in one turn, and returns what arrived and how many writes it took. */
  async function burst(count: number, transport: 'websocket' | 'polling'): Promise<{ received: number[]; writes: number }> {
    const connected = new Promise<ServerSocket>((resolve) => server.once('connection', resolve));
    const client = io(url, { transports: [transport], forceNew: true });
    clients.push(client);
    const received: number[] = [];
    const all = new Promise<void>((resolve) =>
      client.on('n', (i: number) => {
        received.push(i);
        if (received.length === count) resolve();
      }),
    );
    const socket = await connected;
    await new Promise<void>((resolve) => client.on('connect', () => resolve()));
    const writes = transport === 'websocket' ? countWrites(socket) : { calls: 0 };
    for (let i = 0; i < count; i++) socket.emit('n', i);
    await all;
    return { received, writes: writes.calls };
  }

  it('a burst of 300 emits reaches the client whole and in order in a handful of writes', async () => {
    await start(true);
    const { received, writes } = await burst(300, 'websocket');
    expect(received).toEqual(Array.from({ length: 300 }, (_, i) => i));
    // The first emit goes out at once; the rest wait for it and leave together.
    expect(writes).toBeLessThanOrEqual(4);
  });

  it('without it, the same burst is about one write per packet (the test can tell the difference)', async () => {
    await start(false);
    const { received, writes } = await burst(300, 'websocket');
    expect(received).toHaveLength(300);
    expect(writes).toBeGreaterThan(250);
  });

  it('a single emit after a burst is not held back, and the socket keeps working both ways', async () => {
    await start(true);
    const connected = new Promise<ServerSocket>((resolve) => server.once('connection', resolve));
    const client = io(url, { transports: ['websocket'], forceNew: true });
    clients.push(client);
    const socket = await connected;
    await new Promise<void>((resolve) => client.on('connect', () => resolve()));
    let got = 0;
    const burstDone = new Promise<void>((resolve) => client.on('n', () => ++got === 100 && resolve()));
    for (let i = 0; i < 100; i++) socket.emit('n', i);
    await burstDone;
    const single = new Promise<number>((resolve) => client.once('one', (at: number) => resolve(Date.now() - at)));
    socket.emit('one', Date.now());
    expect(await single).toBeLessThan(1000);
    const echoed = new Promise<string>((resolve) => socket.once('ping-me', (v: string) => resolve(v)));
    client.emit('ping-me', 'back');
    expect(await echoed).toBe('back');
  });

  it('leaves HTTP long-polling alone', async () => {
    await start(true);
    const { received } = await burst(120, 'polling');
    expect(received).toEqual(Array.from({ length: 120 }, (_, i) => i));
  });

  it('a client that goes away in the middle of a burst breaks nothing for the next one', async () => {
    await start(true);
    const connected = new Promise<ServerSocket>((resolve) => server.once('connection', resolve));
    const leaving = io(url, { transports: ['websocket'], forceNew: true });
    const socket = await connected;
    await new Promise<void>((resolve) => leaving.on('connect', () => resolve()));
    for (let i = 0; i < 200; i++) socket.emit('n', i);
    leaving.close();
    for (let i = 0; i < 200; i++) socket.emit('n', i);
    const { received } = await burst(50, 'websocket');
    expect(received).toHaveLength(50);
  });
});

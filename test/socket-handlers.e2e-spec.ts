import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { from, isObservable, mergeMap, of, type Observable } from 'rxjs';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { HeraldIoAdapter } from '@herald/realtime';
import type { HeraldConfig } from '@herald/common';

/** What Nest's WebSocketsController hands the adapter: the handler's result, awaited, as an observable. */
const nestTransform = (result: unknown): Observable<unknown> =>
  from(Promise.resolve(result)).pipe(mergeMap((r) => (isObservable(r) ? r : r instanceof Promise ? from(r) : of(r))));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('gateway message handlers bound with one listener per socket', () => {
  let http: HttpServer;
  let server: Server;
  let client: ClientSocket;
  let socket: ServerSocket;
  let release: (() => void) | undefined;
  const errors: unknown[] = [];

  beforeEach(async () => {
    errors.length = 0;
    http = createServer();
    server = new Server(http, { transports: ['websocket'] });
    const adapter = new HeraldIoAdapter({} as never, {} as HeraldConfig);
    jest.spyOn(Logger.prototype, 'error').mockImplementation((err: unknown) => void errors.push(err));
    const handlers: MessageMappingProperties[] = [
      { message: 'value', methodName: 'value', isAckHandledManually: false, callback: ((d: unknown) => ({ ok: true, got: d })) as never },
      { message: 'promise', methodName: 'promise', isAckHandledManually: false, callback: (async (d: unknown) => ({ ok: true, got: d })) as never },
      { message: 'observable', methodName: 'observable', isAckHandledManually: false, callback: ((d: unknown) => of({ ok: true, got: d })) as never },
      { message: 'event', methodName: 'event', isAckHandledManually: false, callback: ((d: unknown) => ({ event: 'answer', data: { got: d } })) as never },
      { message: 'nothing', methodName: 'nothing', isAckHandledManually: false, callback: (() => null) as never },
      { message: 'throws', methodName: 'throws', isAckHandledManually: false, callback: (() => { throw new Error('sync boom'); }) as never },
      { message: 'rejects', methodName: 'rejects', isAckHandledManually: false, callback: (async () => { throw new Error('async boom'); }) as never },
      { message: 'manual', methodName: 'manual', isAckHandledManually: true, callback: ((d: unknown, ack: (r: unknown) => void) => { ack({ manual: d }); return { ignored: true }; }) as never },
      {
        message: 'late',
        methodName: 'late',
        isAckHandledManually: false,
        callback: (() => new Promise((resolve) => (release = () => resolve({ event: 'late-answer', data: 1 })))) as never,
      },
    ];
    const connected = new Promise<ServerSocket>((resolve) => server.on('connection', (s) => {
      adapter.bindMessageHandlers(s, handlers, nestTransform);
      resolve(s);
    }));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    client = io(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
    socket = await connected;
    await new Promise<void>((resolve) => (client.connected ? resolve() : client.on('connect', () => resolve())));
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('answers the ack with a value, a promise or an observable, and emits a result that names an event', async () => {
    expect(await client.timeout(2000).emitWithAck('value', { a: 1 })).toEqual({ ok: true, got: { a: 1 } });
    expect(await client.timeout(2000).emitWithAck('promise', 'p')).toEqual({ ok: true, got: 'p' });
    expect(await client.timeout(2000).emitWithAck('observable', 7)).toEqual({ ok: true, got: 7 });
    const answered = new Promise((resolve) => client.once('answer', resolve));
    client.emit('event', 'e');
    expect(await answered).toEqual({ got: 'e' });
    // Several arguments before the ack arrive as one array, as with Nest's own binding.
    expect(await client.timeout(2000).emitWithAck('value', 'x', 'y')).toEqual({ ok: true, got: ['x', 'y'] });
    // A handler that answers the ack itself is not answered twice.
    expect(await client.timeout(2000).emitWithAck('manual', 'm')).toEqual({ manual: 'm' });
  });

  it('sends nothing for an empty result', async () => {
    await expect(client.timeout(300).emitWithAck('nothing', 1)).rejects.toThrow();
  });

  it('logs a handler that throws or rejects, and the socket keeps answering', async () => {
    await expect(client.timeout(300).emitWithAck('throws', 1)).rejects.toThrow();
    await expect(client.timeout(300).emitWithAck('rejects', 1)).rejects.toThrow();
    expect(errors.map((e) => (e as Error).message)).toEqual(['sync boom', 'async boom']);
    expect(await client.timeout(2000).emitWithAck('value', 'still')).toEqual({ ok: true, got: 'still' });
  });

  it('keeps one listener per message however many messages come, and sends nothing after a disconnect', async () => {
    for (let i = 0; i < 20; i++) await client.timeout(2000).emitWithAck('value', i);
    expect(socket.listeners('value')).toHaveLength(1);
    client.emit('late');
    for (let i = 0; i < 50 && !release; i++) await sleep(10);
    expect(release).toBeDefined();
    const emitted = jest.spyOn(socket, 'emit');
    client.close();
    for (let i = 0; i < 50 && socket.connected; i++) await sleep(10);
    expect(socket.connected).toBe(false);
    release!();
    await sleep(50);
    expect(emitted).not.toHaveBeenCalledWith('late-answer', 1);
    expect(errors).toEqual([]);
  });
});

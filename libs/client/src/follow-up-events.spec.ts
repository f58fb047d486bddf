import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import type { ClientToServerEvents, Notification, ServerToClientEvents } from '@herald/contracts';
import { HeraldClient } from './herald-client';
import { MemoryCursorStorage } from './storage';

/** Issue 12: the client's handling of recalls and updates, against a stand-in server that speaks the contract. */
const note = (id: string, version = 1, title = `n${id}`): Notification => ({
  id, type: 't', title, body: '', data: {}, room: 'user:1', source: 'test', createdAt: new Date().toISOString(), readAt: null, version,
});
const until = async (check: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('HeraldClient: recalled and updated notifications', () => {
  let http: HttpServer;
  let io: Server<ClientToServerEvents, ServerToClientEvents>;
  let client: HeraldClient | undefined;
  let onConnection: (socket: Socket<ClientToServerEvents, ServerToClientEvents>) => void;

  beforeEach(async () => {
    http = createServer();
    io = new Server(http);
    io.on('connection', (socket) => onConnection(socket));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    client = new HeraldClient({ url, getToken: async () => 'token', storage: new MemoryCursorStorage(), autoConnect: false, socketOptions: { transports: ['websocket'] } });
  });

  afterEach(async () => {
    client?.close();
    await new Promise((r) => io.close(r));
  });

  it('a recalled unread notification above the count leaves the badge at once; the next count is adopted', async () => {
    let server!: Socket<ClientToServerEvents, ServerToClientEvents>;
    onConnection = (socket) => {
      server = socket;
      socket.emit('unread', { count: 2, upTo: '10' });
      socket.emit('notification', note('11'));
      socket.emit('notification', note('12'));
    };
    const recalled: string[] = [];
    client!.on('recalled', ({ id }) => recalled.push(id));
    client!.connect();
    await until(() => client!.unread.get() === 4);
    server.emit('notification:recalled', { id: '12' });
    await until(() => recalled.length === 1);
    expect(client!.unread.get()).toBe(3);
    // One at or below upTo stays counted until the server's next count, which is exact.
    server.emit('notification:recalled', { id: '9' });
    server.emit('unread', { count: 1, upTo: '12' });
    await until(() => client!.unread.get() === 1);
    expect(recalled).toEqual(['12', '9']);
  });

  it('updates are passed on newest version first only: a late older one is dropped', async () => {
    onConnection = (socket) => {
      socket.emit('notification:updated', note('5', 3, 'third'));
      socket.emit('notification:updated', note('5', 2, 'second'));
      socket.emit('notification:updated', note('5', 4, 'fourth'));
    };
    const updated: Notification[] = [];
    client!.on('updated', (n) => updated.push(n));
    client!.connect();
    await until(() => updated.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(updated.map((n) => n.title)).toEqual(['third', 'fourth']);
  });
});

import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import type { ClientToServerEvents, Notification, ServerToClientEvents } from '@herald/contracts';
import { HeraldClient } from './herald-client';
import { MemoryCursorStorage } from './storage';

/** A stand-in server that speaks the contract, so the client's own logic is tested without Herald. */
function jwt(exp: number, n = 0): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256' })}.${b64({ sub: '1', exp, n })}.sig`;
}
const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;
const note = (id: string): Notification => ({ id, type: 't', title: `n${id}`, body: '', data: {}, room: 'user:1', source: 'test', createdAt: new Date().toISOString(), readAt: null });
const until = async (check: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('HeraldClient (against a contract stand-in server)', () => {
  let http: HttpServer;
  let io: Server<ClientToServerEvents, ServerToClientEvents>;
  let url: string;
  const handshakes: { token?: string; lastSeenId?: string; at: number }[] = [];
  let onConnection: (socket: Socket<ClientToServerEvents, ServerToClientEvents>) => void;
  let refuse: ((auth: { token?: string }) => string | null) | null;
  let client: HeraldClient | undefined;

  beforeEach(async () => {
    handshakes.length = 0;
    refuse = null;
    onConnection = () => undefined;
    http = createServer();
    io = new Server(http);
    io.use((socket, next) => {
      const auth = socket.handshake.auth as { token?: string; lastSeenId?: string };
      handshakes.push({ ...auth, at: Date.now() });
      const code = refuse?.(auth) ?? null;
      if (!code) return next();
      // As Herald does: a refusal that is not about the credentials says so in the message too.
      next(Object.assign(new Error(code === 'unavailable' ? code : 'unauthorized'), { data: { code, message: `refused: ${code}` } }));
    });
    io.on('connection', (socket) => onConnection(socket));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await new Promise((r) => io.close(r));
  });

  it('drops duplicates and older ids, keeps the cursor, and sends it on reconnect', async () => {
    onConnection = (socket) => {
      for (const id of ['5', '6', '6', '4', '7']) socket.emit('notification', note(id));
      socket.emit('replay:done', { count: 3, lastId: '7', position: '7' });
    };
    const storage = new MemoryCursorStorage();
    const got: string[] = [];
    client = new HeraldClient({ url, getToken: async () => jwt(inSeconds(900)), storage, socketOptions: { reconnectionDelay: 50, reconnectionDelayMax: 50 } });
    client.on('notification', (n) => got.push(n.id));
    await until(() => got.length === 3 && client!.missed.get() === 3);
    expect(got).toEqual(['5', '6', '7']);
    expect(storage.get()).toBe('7');
    expect(handshakes[0].lastSeenId).toBeUndefined();

    const states: string[] = [];
    client.state.subscribe((s) => states.push(s));
    io.disconnectSockets(); // server-side end: the client comes back with a fresh token and its cursor
    await until(() => handshakes.length === 2 && client!.state.get() === 'connected');
    expect(handshakes[1].lastSeenId).toBe('7');
    expect(states).toContain('reconnecting');
    expect(got).toEqual(['5', '6', '7']);
  });

  it('gets a fresh token and reconnects when the handshake says token_expired', async () => {
    let issued = 0;
    refuse = (auth) => (auth.token === 'expired' ? 'token_expired' : null);
    const refreshToken = jest.fn(async () => jwt(inSeconds(900), ++issued));
    client = new HeraldClient({ url, getToken: async () => 'expired', refreshToken });
    await until(() => client!.state.get() === 'connected');
    expect(refreshToken).toHaveBeenCalledTimes(1);
    expect(handshakes.map((h) => h.token === 'expired')).toEqual([true, false]);
  });

  it('drops a cursor the server cannot read and connects without it', async () => {
    refuse = (auth) => ((auth as { lastSeenId?: string }).lastSeenId?.length ?? 0) > 19 ? 'bad_request' : null;
    const storage = new MemoryCursorStorage('123456789012345678901234');
    client = new HeraldClient({ url, getToken: async () => jwt(inSeconds(900)), storage });
    await until(() => client!.state.get() === 'connected');
    expect(handshakes.map((h) => h.lastSeenId)).toEqual(['123456789012345678901234', undefined]);
    expect(storage.get()).toBeNull();
  });

  it('stays offline and reports why when the server refuses the user', async () => {
    refuse = () => 'user_disabled';
    const errors: string[] = [];
    client = new HeraldClient({ url, getToken: async () => jwt(inSeconds(900)) });
    client.on('error', (e) => errors.push(e.code));
    await until(() => errors.length > 0);
    expect(errors).toEqual(['user_disabled']);
    expect(client.state.get()).toBe('offline');
  });

  it('refreshes in-band before expiry with auth:refresh', async () => {
    const refreshed: string[] = [];
    onConnection = (socket) =>
      socket.on('auth:refresh', ({ token }, ack) => {
        refreshed.push(token);
        ack({ ok: true, expiresAt: new Date().toISOString() });
      });
    const fresh = jwt(inSeconds(900), 1);
    // Expires in 61 s with a 60 s lead: the refresh is due about a second after connecting.
    client = new HeraldClient({ url, getToken: async () => jwt(inSeconds(61)), refreshToken: async () => fresh });
    await until(() => refreshed.length === 1, 4000);
    expect(refreshed).toEqual([fresh]);
    expect(handshakes).toHaveLength(1);
  });

  it('answers markRead and decide with the typed ack, and refuses them while offline', async () => {
    onConnection = (socket) => {
      socket.on('notifications:read', ({ ids }, ack) => ack({ ok: true, unread: 10 - ids.length, upTo: '40' }));
      socket.on('approvals:decide', (_req, ack) => ack({ ok: false, error: { code: 'conflict', message: 'Already decided by carol.' } }));
    };
    client = new HeraldClient({ url, getToken: async () => jwt(inSeconds(900)) });
    await expect(client.markRead(['1'])).rejects.toMatchObject({ code: 'offline' });
    await until(() => client!.state.get() === 'connected');
    expect(await client.markRead(['1', '2'])).toEqual({ ok: true, unread: 8, upTo: '40' });
    expect(client.unread.get()).toBe(8);
    expect(await client.decide({ id: '1', decision: 'approve', version: 1 })).toEqual({ ok: false, error: { code: 'conflict', message: 'Already decided by carol.' } });
  });

  it('retries a handshake refused as unavailable with a growing back-off, never going offline, then connects', async () => {
    refuse = () => (handshakes.length <= 2 ? 'unavailable' : null);
    const errors: string[] = [];
    const states: string[] = [];
    const refreshToken = jest.fn(async () => jwt(inSeconds(900), 1));
    client = new HeraldClient({ url, getToken: async () => jwt(inSeconds(900)), refreshToken, autoConnect: false });
    client.on('error', (e) => errors.push(e.code));
    client.state.subscribe((s) => states.push(s));
    client.connect();
    await until(() => client!.state.get() === 'connected', 6000);
    expect(handshakes).toHaveLength(3);
    const gaps = [handshakes[1].at - handshakes[0].at, handshakes[2].at - handshakes[1].at];
    expect(gaps[0]).toBeGreaterThanOrEqual(750); // about a second, jittered: not at once
    expect(gaps[1]).toBeGreaterThanOrEqual(1500); // then about twice that
    expect(errors).toEqual(['unavailable', 'unavailable']);
    expect(states.slice(1)).not.toContain('offline');
    expect(refreshToken).not.toHaveBeenCalled(); // the token was never the problem
  }, 10_000);

  it('keeps retrying, slowly, when the user has too many readers', async () => {
    refuse = () => 'too_many_sockets';
    const errors: string[] = [];
    client = new HeraldClient({ url, getToken: async () => jwt(inSeconds(900)) });
    client.on('error', (e) => errors.push(e.code));
    await until(() => errors.length === 1);
    expect(errors).toEqual(['too_many_sockets']);
    await new Promise((r) => setTimeout(r, 500));
    expect(client.state.get()).toBe('reconnecting');
    expect(handshakes).toHaveLength(1); // the next attempt is about 30 s away
  });

  it('honours a clamped cursor: replayed ids below it are delivered and the server position becomes the cursor', async () => {
    let live: Socket<ClientToServerEvents, ServerToClientEvents> | undefined;
    onConnection = (socket) => {
      live = socket;
      if ((socket.handshake.auth as { lastSeenId?: string }).lastSeenId === undefined) return;
      // Stored cursor 1000 is beyond every committed id: the server replays after its own position (4).
      for (const id of ['5', '6', '6', '4', '7']) socket.emit('notification', note(id)); // 4: below what this replay gave
      socket.emit('replay:done', { count: 3, lastId: '7', position: '7' });
    };
    const storage = new MemoryCursorStorage('1000');
    const got: [string, boolean][] = [];
    client = new HeraldClient({ url, getToken: async () => jwt(inSeconds(900)), storage });
    client.on('notification', (n, { replayed }) => got.push([n.id, replayed]));
    await until(() => client!.missed.get() === 3);
    expect(handshakes[0].lastSeenId).toBe('1000');
    expect(got).toEqual([['5', true], ['6', true], ['7', true]]);
    expect(storage.get()).toBe('7');
    for (const id of ['7', '6', '8']) live!.emit('notification', note(id)); // live: duplicates and older ids dropped
    await until(() => got.length === 4);
    await new Promise((r) => setTimeout(r, 100));
    expect(got.slice(3)).toEqual([['8', false]]);
    expect(storage.get()).toBe('8');
  });

  it('adopts a server position lower than the cursor even when nothing was replayed', async () => {
    onConnection = (socket) => socket.emit('replay:done', { count: 0, lastId: null, position: '0' });
    const storage = new MemoryCursorStorage('1000');
    client = new HeraldClient({ url, getToken: async () => jwt(inSeconds(900)), storage });
    await until(() => storage.get() === '0');
  });

  it('stops, offline, when the server closes the session as revoked, and does not reconnect', async () => {
    onConnection = (socket) => {
      socket.emit('session:closed', { reason: 'session_revoked', message: 'Signed out.' });
      socket.disconnect(true);
    };
    const errors: string[] = [];
    const closed: string[] = [];
    client = new HeraldClient({ url, getToken: async () => jwt(inSeconds(900)), socketOptions: { reconnectionDelay: 50 } });
    client.on('error', (e) => errors.push(e.code));
    client.on('closed', (c) => closed.push(c.reason));
    await until(() => errors.length > 0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(closed).toEqual(['session_revoked']);
    expect(errors).toEqual(['session_revoked']);
    expect(client.state.get()).toBe('offline');
    expect(handshakes).toHaveLength(1);
  });

  it.each(['slow_reader', 'server_shutdown', 'unavailable'] as const)('comes back after a pause when closed as %s, with the same token', async (reason) => {
    onConnection = (socket) => {
      if (handshakes.length > 1) return;
      socket.emit('session:closed', { reason, message: 'Come back later.' });
      socket.disconnect(true);
    };
    const refreshToken = jest.fn(async () => jwt(inSeconds(900), 1));
    const closed: string[] = [];
    client = new HeraldClient({ url, getToken: async () => jwt(inSeconds(900)), refreshToken });
    client.on('closed', (c) => closed.push(c.reason));
    await until(() => handshakes.length === 2 && client!.state.get() === 'connected', 4000);
    expect(handshakes[1].at - handshakes[0].at).toBeGreaterThanOrEqual(750);
    expect(closed).toEqual([reason]);
    expect(refreshToken).not.toHaveBeenCalled();
  });

  it('reconnects at once with a fresh token after auth_expired (announced under both names)', async () => {
    onConnection = (socket) => {
      if (handshakes.length > 1) return;
      socket.emit('auth_expired', { message: 'Token expired.' });
      socket.emit('auth:expired', { message: 'Token expired.' });
      socket.disconnect(true);
    };
    const fresh = jwt(inSeconds(900), 1);
    const closed: string[] = [];
    client = new HeraldClient({ url, getToken: async () => jwt(inSeconds(900)), refreshToken: async () => fresh });
    client.on('closed', (c) => closed.push(c.reason));
    await until(() => handshakes.length === 2 && client!.state.get() === 'connected');
    expect(handshakes[1].token).toBe(fresh);
    expect(closed).toEqual(['token_expired']);
  });
});

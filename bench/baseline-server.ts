/**
 * The baseline: a bare Socket.IO 4.8 server with nothing of Herald in it, to show what Socket.IO
 * itself costs on this machine. A socket's handshake names a user (`auth.userId`); it joins
 * `user:<id>` and `orders`. `POST /emit {room, event, payload}` emits to that room and answers 202.
 * Prints one JSON line `{"port": n}` once listening; exits when its parent goes away. Started with
 * --expose-gc, it runs a full garbage collection when the bench asks (`{type: 'bench:gc'}` over IPC).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const MAX_BODY_BYTES = 64 * 1024;

interface EmitRequest {
  room: string;
  event: string;
  payload: unknown;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new Error(`body over ${MAX_BODY_BYTES} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseEmit(text: string): EmitRequest {
  const body = JSON.parse(text) as Partial<EmitRequest>;
  if (typeof body.room !== 'string' || !body.room) throw new Error('room must be a non-empty string');
  if (typeof body.event !== 'string' || !body.event) throw new Error('event must be a non-empty string');
  return { room: body.room, event: body.event, payload: body.payload };
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const http = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/emit') return answer(res, 404, { message: 'POST /emit only' });
  readBody(req).then(
    (text) => {
      let emit: EmitRequest;
      try {
        emit = parseEmit(text);
      } catch (err) {
        return answer(res, 400, { message: (err as Error).message });
      }
      io.to(emit.room).emit(emit.event, emit.payload);
      answer(res, 202, { ok: true });
    },
    (err: Error) => answer(res, 413, { message: err.message }),
  );
});

// The same transport settings as Herald's gateway, so the two differ only in what Herald adds.
const io = new Server(http, {
  serveClient: false,
  transports: ['websocket', 'polling'],
  maxHttpBufferSize: 64 * 1024,
  pingInterval: 25_000,
  pingTimeout: 20_000,
});

io.use((socket, next) => {
  const userId = (socket.handshake.auth as { userId?: unknown }).userId;
  if (typeof userId !== 'string' || !/^\d+$/.test(userId)) return next(new Error('auth.userId must be a string of digits'));
  socket.data = { userId };
  next();
});

io.on('connection', (socket) => {
  void socket.join([`user:${(socket.data as { userId: string }).userId}`, 'orders']);
});

http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (http.address() as AddressInfo).port })}\n`);
});

const stop = () => {
  io.close();
  http.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.on('disconnect', stop);

// The same full collection on request as herald-child.ts, for memory readings taken in the same state.
process.on('message', (message: { type?: unknown } | null) => {
  if (message?.type !== 'bench:gc') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  process.send?.({ type: 'bench:gc-done', ok: gc !== undefined });
});

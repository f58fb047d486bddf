import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';

/** A client WebSocket frame (text, masked, as RFC 6455 requires of clients). */
function wsTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([header, mask, body]);
}

/**
 * A Socket.IO reader over a raw WebSocket that connects with `auth` (its token, and a `lastSeenId` to be
 * replayed from, or none to start live) and then never reads a byte: the kernel buffers fill and the server must not.
 */
export function stalledSocketIoReader(port: number, auth: { token: string; lastSeenId?: string }): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(
    `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  socket.pause();
  // A real client sends its first frame after the 101: sent in the same segment, the engine can miss it.
  setTimeout(() => socket.write(wsTextFrame(`40${JSON.stringify(auth)}`)), 300).unref();
  return socket;
}

/** An SSE reader (replayed after `lastEventId` if given, else live from the tail) that never reads a byte. */
export function stalledSseReader(port: number, auth: { token: string; lastEventId?: string }): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const query = auth.lastEventId === undefined ? '' : `?lastEventId=${encodeURIComponent(auth.lastEventId)}`;
  socket.write(
    `GET /api/notifications/stream${query} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${auth.token}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  socket.pause();
  return socket;
}

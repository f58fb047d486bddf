import { SocketEvents, type Notification, type ServerToClientEvents, type SessionCloseReason } from '@herald/contracts';
import type { LiveSignal, LiveTransport } from '@herald/notifications';
import type { HeraldSocket } from './socket-auth';

/** What the engine keeps per connection that we read to know how much is still unsent. */
interface EngineConnection {
  writeBuffer?: Array<{ data?: unknown }>;
  transport?: { name?: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
  readyState?: string;
  close(discard?: boolean): void;
}

/** A server-closed connection that has not finished closing after this is dropped without waiting for its buffer. */
const CLOSE_GRACE_MS = 5000;

function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/** One Socket.IO socket as a live transport. Live deliveries go through the gateway's per-tick batching. */
export class SocketTransport implements LiveTransport {
  readonly kind = 'socket' as const;

  constructor(
    private readonly socket: HeraldSocket,
    private readonly queueLive: (socketId: string, n: Notification) => void,
  ) {}

  deliver(n: Notification, mode: 'replay' | 'live'): void {
    if (mode === 'live') this.queueLive(this.socket.id, n);
    else this.socket.emit(SocketEvents.notification, n);
  }

  signal(event: LiveSignal, payload: Parameters<ServerToClientEvents[LiveSignal]>[0]): void {
    (this.socket.emit as (e: LiveSignal, p: unknown) => boolean)(event, payload);
  }

  /** Packets the engine holds (not yet handed to the transport) plus what the WebSocket has not sent. */
  bufferedBytes(): number {
    const conn = this.socket.conn as unknown as EngineConnection;
    let bytes = 0;
    for (const packet of conn.writeBuffer ?? []) bytes += sizeOf(packet.data);
    if (conn.transport?.name === 'websocket') bytes += conn.transport.socket?.bufferedAmount ?? 0;
    return bytes;
  }

  roomsChanged(rooms: readonly string[]): void {
    const data = this.socket.data;
    for (const room of data.rooms) if (!rooms.includes(room)) void this.socket.leave(room);
    void this.socket.join([...rooms]);
    data.rooms = [...rooms];
  }

  close(reason: SessionCloseReason, message: string): void {
    if (!this.socket.connected) return;
    if (reason === 'token_expired') {
      this.socket.emit(SocketEvents.authExpired, { message });
      this.socket.emit(SocketEvents.authExpiredLegacy, { message });
    }
    this.socket.emit(SocketEvents.sessionClosed, { reason, message });
    const conn = this.socket.conn as unknown as EngineConnection;
    if (reason === 'slow_reader') return this.drop(conn);
    this.socket.disconnect(true);
    // The engine waits for its buffer to drain before closing; a reader that does not read never lets it.
    setTimeout(() => {
      if (conn.readyState !== 'closed') this.drop(conn);
    }, CLOSE_GRACE_MS).unref();
  }

  /** Closes at once, discarding what is unsent. */
  private drop(conn: EngineConnection): void {
    const ws = conn.transport?.socket;
    conn.close(true);
    ws?.terminate?.();
  }
}

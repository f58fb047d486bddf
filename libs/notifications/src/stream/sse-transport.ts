import type { Response } from 'express';
import type { Notification, ServerToClientEvents, SessionCloseReason } from '@herald/contracts';
import type { LiveSignal } from '../notification-feed.service';
import type { LiveTransport } from '../live/live-transport';

/** A comment line every so often keeps proxies from closing an idle stream. */
export const SSE_HEARTBEAT_MS = 15_000;
/** How long a closed stream may take to hand its last events to the client before the connection is dropped. */
export const SSE_CLOSE_GRACE_MS = 5_000;

/** One SSE response as a live transport: `id:` is the notification id, `event:` its type. */
export class SseTransport implements LiveTransport {
  readonly kind = 'sse' as const;
  private readonly heartbeat: NodeJS.Timeout;
  private ended = false;

  constructor(private readonly res: Response) {
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  deliver(n: Notification): void {
    this.write(`id: ${n.id}\nevent: ${n.type}\ndata: ${JSON.stringify(n)}\n\n`);
  }

  /** `notification:recalled` becomes `event: notification.recalled`; no `id:` line, so Last-Event-ID stays a notification id. */
  signal(event: LiveSignal, payload: Parameters<ServerToClientEvents[LiveSignal]>[0]): void {
    this.write(`event: ${event.replace(':', '.')}\ndata: ${JSON.stringify(payload)}\n\n`);
  }

  /** The response's own buffer plus its socket's: what the client has not taken yet. */
  bufferedBytes(): number {
    return this.res.writableLength;
  }

  roomsChanged(): void {
    // An SSE stream has no rooms of its own: the feed delivers by the session's rooms.
  }

  close(reason: SessionCloseReason, message: string): void {
    if (this.ended) return;
    const data = JSON.stringify({ reason, message });
    // `auth_expired` is the expiry event's name on both transports; `session.closed` says why for every close.
    if (reason === 'token_expired') this.write(`event: auth_expired\ndata: ${JSON.stringify({ message })}\n\n`);
    this.write(`event: session.closed\ndata: ${data}\n\n`);
    this.stop();
    // A reader that stopped reading would keep its buffer until a timeout: drop the connection instead.
    if (reason === 'slow_reader') return void this.res.destroy();
    this.res.end();
    // end() waits for the buffer to drain; a client that does not read never lets it, so it is dropped after a grace.
    setTimeout(() => {
      if (!this.res.writableFinished) this.res.destroy();
    }, SSE_CLOSE_GRACE_MS).unref();
  }

  /** The connection is gone (or going): no more writes. */
  stop(): void {
    this.ended = true;
    clearInterval(this.heartbeat);
  }

  private write(chunk: string): void {
    if (!this.ended && !this.res.destroyed) this.res.write(chunk);
  }
}

import { io, Socket } from 'socket.io-client';
import type { Notification } from '@herald/contracts';

export interface TestSocket {
  socket: Socket;
  /** Every notification received, in arrival order. */
  received: Notification[];
  unread: number[];
  replayDone: Array<{ count: number; lastId: string | null; position?: string }>;
  /** Resolves when `predicate` holds (checked on each event), rejects after `ms`. */
  waitFor(predicate: () => boolean, ms?: number, what?: string): Promise<void>;
  close(): void;
}

/** Connects a real socket.io-client; resolves once connected, rejects with the connect_error. */
export function connectSocket(url: string, auth: Record<string, unknown>, options: { transports?: string[]; extraHeaders?: Record<string, string> } = {}): Promise<TestSocket> {
  const socket = io(url, {
    auth,
    transports: options.transports ?? ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: options.extraHeaders,
  });
  const received: Notification[] = [];
  const unread: number[] = [];
  const replayDone: TestSocket['replayDone'] = [];
  const waiters = new Set<() => void>();
  const poke = () => waiters.forEach((w) => w());
  socket.on('notification', (n: Notification) => {
    received.push(n);
    poke();
  });
  socket.on('unread', (u: { count: number }) => {
    unread.push(u.count);
    poke();
  });
  socket.on('replay:done', (r: { count: number; lastId: string | null; position?: string }) => {
    replayDone.push(r);
    poke();
  });
  socket.on('disconnect', poke);
  const client: TestSocket = {
    socket,
    received,
    unread,
    replayDone,
    waitFor(predicate, ms = 10_000, what = 'condition') {
      return new Promise((resolve, reject) => {
        if (predicate()) return resolve();
        const check = () => {
          if (predicate()) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${ms} ms waiting for ${what}; received ids ${received.map((n) => n.id).join(',')}`));
        }, ms);
        waiters.add(check);
      });
    },
    close: () => socket.close(),
  };
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(client));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

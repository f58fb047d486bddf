import { Injectable } from '@nestjs/common';
import type { Server } from 'socket.io';
import type { SocketData } from './socket-auth';

/** Who is online: users with at least one live socket, on any instance (through the adapter). */
@Injectable()
export class Presence {
  private server?: Server;

  bind(server: Server): void {
    this.server = server;
  }

  /** The ids of users with a live socket in any of `rooms`. */
  async onlineUserIds(rooms: string[]): Promise<Set<string>> {
    if (!this.server || !rooms.length) return new Set();
    const sockets = await this.server.in(rooms).fetchSockets();
    return new Set(sockets.map((s) => (s.data as SocketData).user?.id).filter((id): id is string => !!id));
  }
}

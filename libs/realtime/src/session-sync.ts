import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Subscription } from 'rxjs';
import type { Server } from 'socket.io';
import { Rooms, SocketEvents } from '@herald/contracts';
import { SessionEvents, UsersService } from '@herald/auth';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { InboxService, readerOf } from '@herald/notifications';

const ROLES_CHANGED = 'herald:roles_changed';

interface RoomsApplier {
  applyRooms(userId: string, roles: string[]): void;
}

/**
 * Makes session changes take effect on live sockets, on every instance: logout, disable and
 * refresh-family revocation disconnect the user's sockets (through the adapter); a role change
 * makes each instance re-read the user's roles and re-join their sockets' rooms.
 */
@Injectable()
export class SessionSync implements OnModuleDestroy {
  private readonly log = new Logger(SessionSync.name);
  private sub?: Subscription;
  private server?: Server;
  private gateway?: RoomsApplier;
  private closing = false;

  constructor(
    private readonly sessions: SessionEvents,
    private readonly users: UsersService,
    private readonly inbox: InboxService,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  attach(server: Server, gateway: RoomsApplier): void {
    this.server = server;
    this.gateway = gateway;
    this.sub = this.sessions.events$.subscribe((event) => {
      if (event.kind === 'roles_changed') {
        void this.reapplyRooms(event.userId, true);
      } else {
        server.in(Rooms.user(event.userId)).disconnectSockets(true);
      }
    });
    server.on(ROLES_CHANGED, (userId: unknown) => {
      if (typeof userId === 'string') void this.reapplyRooms(userId, false);
    });
  }

  onModuleDestroy(): void {
    this.closing = true;
    this.sub?.unsubscribe();
  }

  private async reapplyRooms(userId: string, tellOthers: boolean): Promise<void> {
    try {
      const user = await this.users.findById(userId);
      if (!user || user.disabled) {
        this.server?.in(Rooms.user(userId)).disconnectSockets(true);
        return;
      }
      this.gateway?.applyRooms(userId, user.roles);
      const count = await this.inbox.unreadCount(readerOf(user));
      this.server?.local.to(Rooms.user(userId)).emit(SocketEvents.unread, { count });
      // Other instances exist only with the Redis adapter; they re-read the roles themselves.
      if (tellOthers && this.config.REDIS_URL) this.server?.serverSideEmit(ROLES_CHANGED, userId);
    } catch (err) {
      if (!this.closing) this.log.error({ err, userId }, 'could not re-evaluate rooms after a role change');
    }
  }
}

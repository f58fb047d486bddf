import { Global, Module } from '@nestjs/common';
import { AuthModule } from '@herald/auth';
import { NotificationsModule, OnlineUsers } from '@herald/notifications';
import { Presence } from './presence.service';
import { RealtimeMetrics } from './realtime-metrics';
import { RealtimeGateway } from './realtime.gateway';
import { SocketMetrics } from './socket-metrics';

/**
 * Delivery over Socket.IO. Knows nothing of orders or approvals; notifications decide who hears what.
 * Global for one reason: the push API (in notifications, which this module imports) asks OnlineUsers
 * who is online; an import back would be a cycle.
 */
@Global()
@Module({
  imports: [AuthModule, NotificationsModule],
  providers: [RealtimeGateway, RealtimeMetrics, SocketMetrics, Presence, { provide: OnlineUsers, useExisting: Presence }],
  exports: [Presence, OnlineUsers],
})
export class RealtimeModule {}

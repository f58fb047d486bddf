import { Global, Module } from '@nestjs/common';
import { AuthModule } from '@herald/auth';
import { OnlineUsers } from '@herald/notifications';
import { Presence } from './presence.service';
import { RealtimeMetrics } from './realtime-metrics';
import { RealtimeGateway } from './realtime.gateway';
import { SocketMetrics } from './socket-metrics';

/** Delivery over Socket.IO. Knows nothing of orders or approvals; notifications decide who hears what. */
@Global()
@Module({
  imports: [AuthModule],
  providers: [RealtimeGateway, RealtimeMetrics, SocketMetrics, Presence, { provide: OnlineUsers, useExisting: Presence }],
  exports: [Presence, OnlineUsers],
})
export class RealtimeModule {}

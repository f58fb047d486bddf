import { Global, Module } from '@nestjs/common';
import { AuthModule } from '@herald/auth';
import { OnlineUsers } from '@herald/notifications';
import { Presence } from './presence.service';
import { RealtimeMetrics } from './realtime-metrics';
import { RealtimeGateway } from './realtime.gateway';

/** Delivery over Socket.IO. Knows nothing of orders or approvals; notifications decide who hears what. */
@Global()
@Module({
  imports: [AuthModule],
  providers: [RealtimeGateway, RealtimeMetrics, Presence, { provide: OnlineUsers, useExisting: Presence }],
  exports: [Presence, OnlineUsers],
})
export class RealtimeModule {}

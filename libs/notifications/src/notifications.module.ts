import { Module } from '@nestjs/common';
import { AuthModule } from '@herald/auth';
import { OutboxAdminController } from './admin/outbox-admin.controller';
import { OutboxAdminService } from './admin/outbox-admin.service';
import { DomainEvents } from './domain-events.service';
import { InboxController } from './inbox/inbox.controller';
import { InboxService } from './inbox/inbox.service';
import { NotificationFeed } from './notification-feed.service';
import { NotificationMetrics } from './notification-metrics';
import { NotificationStore } from './notification-store';
import { OutboxDispatcher } from './outbox-dispatcher.service';
import { PgNotifyListener } from './pg-notify-listener.service';
import { ApiKeyGuard } from './push/api-key.guard';
import { PushRate } from './push/push-rate';
import { ApiKeyOrAdminGuard } from './push/api-key-or-admin.guard';
import { ApiKeysService } from './push/api-keys.service';
import { DemoApiKeySeeder } from './push/demo-api-key.seeder';
import { PushController } from './push/push.controller';
import { PresenceController } from './push/presence.controller';
import { PushService } from './push/push.service';
import { LiveSessions } from './live/live-sessions.service';
import { Signals } from './signals';
import { ApprovalCards } from './follow-up/approval-cards';
import { DeliveryMarks } from './follow-up/delivery-marks.service';
import { FollowUpController, PushFollowUpController } from './follow-up/follow-up.controller';
import { FollowUp } from './follow-up/follow-up.service';
import { InboxStates } from './follow-up/inbox-states.service';
import { LiveChanges } from './follow-up/live-changes.service';
import { NotificationChanges } from './follow-up/notification-changes';
import { Receipts } from './follow-up/receipts.service';
import { NotificationWriter } from './notification-writer';
import { ChannelsService } from './fallback/channels.service';
import { DeliveriesService } from './fallback/deliveries.service';
import { DeliveryWorker } from './fallback/delivery-worker.service';
import { FallbackAdminController } from './fallback/fallback-admin.controller';
import { FallbackJobs } from './fallback/fallback-jobs.service';
import { FallbackPlanner } from './fallback/fallback-planner.service';
import { PreferencesController } from './preferences/preferences.controller';
import { PreferencesService } from './preferences/preferences.service';
import { StreamController } from './stream/stream.controller';
import { StreamTicketsService } from './stream/stream-tickets.service';
import { TimerRunner } from './timers/timer-runner.service';
import { Timers } from './timers/timers.service';

/** Outbox, dispatcher, audience rules, inbox, the live feed and live sessions. Domains import it for DomainEvents. */
@Module({
  imports: [AuthModule],
  controllers: [InboxController, PushController, StreamController, OutboxAdminController, PresenceController, FallbackAdminController, PreferencesController, FollowUpController, PushFollowUpController],
  providers: [
    DomainEvents,
    Signals,
    NotificationWriter,
    NotificationStore,
    OutboxDispatcher,
    NotificationFeed,
    NotificationMetrics,
    PgNotifyListener,
    InboxService,
    ApiKeysService,
    ApiKeyGuard,
    PushRate,
    ApiKeyOrAdminGuard,
    PushService,
    DemoApiKeySeeder,
    StreamTicketsService,
    OutboxAdminService,
    LiveSessions,
    NotificationChanges,
    DeliveryMarks,
    Receipts,
    FollowUp,
    InboxStates,
    LiveChanges,
    ApprovalCards,
    ChannelsService,
    DeliveriesService,
    DeliveryWorker,
    FallbackJobs,
    FallbackPlanner,
    PreferencesService,
    Timers,
    TimerRunner,
  ],
  exports: [Timers, DomainEvents, NotificationStore, NotificationFeed, InboxService, Signals, ApiKeysService, LiveSessions],
})
export class NotificationsModule {}

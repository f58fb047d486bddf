import { Global, Module } from '@nestjs/common';
import { DomainEvents } from './domain-events.service';
import { InboxController } from './inbox/inbox.controller';
import { InboxService } from './inbox/inbox.service';
import { NotificationFeed } from './notification-feed.service';
import { NotificationStore } from './notification-store';
import { OutboxDispatcher } from './outbox-dispatcher.service';
import { PgNotifyListener } from './pg-notify-listener.service';
import { Signals } from './signals';

/** Outbox, dispatcher, audience rules, inbox and the live feed. Global: domains inject DomainEvents. */
@Global()
@Module({
  controllers: [InboxController],
  providers: [DomainEvents, Signals, NotificationStore, OutboxDispatcher, NotificationFeed, PgNotifyListener, InboxService],
  exports: [DomainEvents, NotificationStore, NotificationFeed, InboxService, Signals],
})
export class NotificationsModule {}

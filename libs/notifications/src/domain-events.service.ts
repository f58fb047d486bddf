import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager, EntitySubscriberInterface, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import type { DomainEventType } from '@herald/contracts';
import type { TypedDomainEvent } from './domain-event';
import { OUTBOX_CHANNEL, Signals } from './signals';

const RECORDED = 'heraldOutboxRecorded';

/**
 * What domain services call to publish an event: `await events.record(manager, event)` inside their
 * own transaction. The outbox row commits or rolls back with the business change; once the
 * transaction commits, the dispatcher is woken (in this process at once, in others by pg_notify).
 */
@Injectable()
export class DomainEvents implements OnModuleInit, EntitySubscriberInterface {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly signals: Signals,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  onModuleInit(): void {
    // Registered by hand: a TypeORM subscriber that needs Nest's injected services.
    this.db.subscribers.push(this);
  }

  /** Typed by the contracts' DomainEventMap: a payload that does not match its event type fails to compile. */
  async record<K extends DomainEventType>(manager: EntityManager, event: TypedDomainEvent<K>): Promise<void> {
    const params = [event.type, event.aggregateId, event.actorId, JSON.stringify(event.payload)];
    if (this.config.embeddedDatabase) {
      await manager.query(`INSERT INTO outbox (type, aggregate_id, actor_id, payload) VALUES ($1, $2, $3, $4)`, params);
    } else {
      // The row and its wake-up for the other instances in one round trip (the notify is sent at commit).
      await manager.query(
        `WITH o AS (INSERT INTO outbox (type, aggregate_id, actor_id, payload) VALUES ($1, $2, $3, $4) RETURNING id)
         SELECT pg_notify($5, $6) FROM o`,
        [...params, OUTBOX_CHANNEL, this.signals.origin],
      );
    }
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) runner.data = { ...runner.data, [RECORDED]: true };
    else setImmediate(() => this.signals.outboxCommitted()); // auto-committed statement: already visible
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const runner = event.queryRunner;
    if (runner?.data?.[RECORDED]) {
      delete runner.data[RECORDED];
      this.signals.outboxCommitted();
    }
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (event.queryRunner?.data) delete event.queryRunner.data[RECORDED];
  }
}

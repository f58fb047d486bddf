import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DomainEvent } from './domain-event';

/**
 * What domain services call to publish an event: `await events.record(manager, event)` inside their
 * own transaction. The outbox row commits or rolls back with the business change.
 */
@Injectable()
export class DomainEvents {
  async record(manager: EntityManager, event: DomainEvent): Promise<void> {
    void manager;
    void event;
    throw new Error('DomainEvents.record is being implemented (issue 3)');
  }
}

import type { DomainEventMap, DomainEventType } from '@herald/contracts';

/**
 * Something that happened in a business domain, recorded in the same transaction as the change
 * itself (the transactional outbox). `type` is `entity.verb` (`order.paid`); `payload` carries what
 * the audience rules and the notification text need, so nothing is looked up again later.
 */
export interface DomainEvent<TPayload extends object = Record<string, unknown>> {
  type: string;
  /** Id of the order, approval… the event is about. */
  aggregateId: string;
  /** The user who caused it, when there is one. */
  actorId: string | null;
  payload: TPayload;
}

/** A domain event whose payload is the one its type declares in the contracts' DomainEventMap. */
export type TypedDomainEvent<K extends DomainEventType = DomainEventType> = {
  [T in K]: DomainEvent<DomainEventMap[T]> & { type: T };
}[K];

import type { OrderEventPayload } from '@herald/contracts';
import type { TypedDomainEvent } from './domain-event';

const orderPayload: OrderEventPayload = {
  order: { id: '1', number: 'SO-2026-000001', customer: 'ACME', total: '10.00', status: 'paid', ownerId: '2', itemCount: 1 },
  actor: { id: '2', displayName: 'Alice' },
};

describe('TypedDomainEvent (checked by `npm run typecheck`, which `npm test` runs)', () => {
  it('accepts a payload of the type its event name declares', () => {
    const ok: TypedDomainEvent = { type: 'order.paid', aggregateId: '1', actorId: '2', payload: orderPayload };
    expect(ok.type).toBe('order.paid');
  });

  it('refuses, at compile time, an unknown event name or a payload of another type', () => {
    // @ts-expect-error not a domain event name
    const unknown: TypedDomainEvent = { type: 'order.teleported', aggregateId: '1', actorId: null, payload: orderPayload };
    // @ts-expect-error an order payload under an approval event
    const mismatched: TypedDomainEvent = { type: 'approval.approved', aggregateId: '1', actorId: null, payload: orderPayload };
    expect([unknown, mismatched]).toHaveLength(2);
  });
});

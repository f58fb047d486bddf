import type { HeraldConfig } from '@herald/common';
import { SessionEvent, SessionEvents } from './session-events';

describe('SessionEvents.receive (the bus from other instances)', () => {
  const bus = new SessionEvents({ embeddedDatabase: false } as HeraldConfig);
  const heard: SessionEvent[] = [];
  bus.events$.subscribe((e) => heard.push(e));
  const wire = (value: unknown) => bus.receive(JSON.stringify(value));

  beforeEach(() => heard.splice(0));

  it('passes on a one-session end with its session id, and the user-wide kinds without one', () => {
    wire({ origin: 'other', userId: '7', kind: 'session_ended', sessionId: '0b0e9a7c-2f35-4d6b-9c39-0d2b7c1f5e11' });
    wire({ origin: 'other', userId: '7', kind: 'revoked', sessionId: 'ignored' });
    expect(heard).toEqual([
      { userId: '7', kind: 'session_ended', sessionId: '0b0e9a7c-2f35-4d6b-9c39-0d2b7c1f5e11' },
      { userId: '7', kind: 'revoked' },
    ]);
  });

  it('drops its own events, unknown kinds, a session end without a session id, and garbage', () => {
    wire({ origin: bus.instanceId, userId: '7', kind: 'revoked' });
    wire({ origin: 'other', userId: '7', kind: 'everything' });
    wire({ origin: 'other', userId: '7', kind: 'session_ended' });
    wire({ origin: 'other', userId: 7, kind: 'revoked' });
    bus.receive('{not json');
    expect(heard).toEqual([]);
  });
});

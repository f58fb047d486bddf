import type { Notification, SessionCloseReason } from '@herald/contracts';
import { LIVE_CHECK_BYTES, LiveSession, LiveSessionOwner, MAX_READER_BUFFER_BYTES, wireSize } from './live-session';
import type { LiveTransport } from './live-transport';

/** A transport that never drains: its buffer is what the test says, and every look at it is counted. */
function stalledTransport() {
  const t = {
    buffered: 0,
    looks: 0,
    delivered: 0,
    closedWith: null as SessionCloseReason | null,
  };
  const transport: LiveTransport = {
    kind: 'socket',
    deliver: () => void t.delivered++,
    signal: () => undefined,
    bufferedBytes: () => (t.looks++, t.buffered),
    roomsChanged: () => undefined,
    close: (reason) => void (t.closedWith = reason),
  };
  return { t, transport };
}

const owner: LiveSessionOwner = {
  attach: async () => ({ position: '0' }) as never,
  updateRooms: () => undefined,
  detach: () => undefined,
  released: () => undefined,
};

function session(transport: LiveTransport): LiveSession {
  return new LiveSession(owner, { id: '7', roles: ['sales'], sessionEpoch: 1, sessionId: null, tokenExpiresAt: new Date(Date.now() + 60_000) }, transport);
}

const note = (id: number, data: Record<string, unknown> = {}, title = 'Order paid'): Notification => ({
  id: String(id),
  type: 'order.paid',
  title,
  body: 'SO-1001',
  data,
  room: 'orders',
  source: 'orders',
  createdAt: new Date().toISOString(),
  readAt: null,
});

describe('LiveSession: how often a live reader\'s buffer is looked at', () => {
  it('looks once per LIVE_CHECK_BYTES of live deliveries, not once per delivery', () => {
    const { t, transport } = stalledTransport();
    const s = session(transport);
    let bytes = 0;
    for (let i = 1; i <= 1000; i++) {
      const n = note(i);
      bytes += wireSize(n);
      s.subscriber.deliver(n, 'live');
    }
    expect(t.delivered).toBe(1000);
    expect(t.looks).toBe(Math.floor(bytes / LIVE_CHECK_BYTES));
    expect(t.looks).toBeLessThan(20);
    s.end('server_shutdown');
  });

  it('sheds a reader past the hard cap within LIVE_CHECK_BYTES of further deliveries', () => {
    const { t, transport } = stalledTransport();
    const s = session(transport);
    t.buffered = MAX_READER_BUFFER_BYTES + 1;
    let sent = 0;
    for (let i = 1; i <= 10_000 && !s.closed; i++) {
      const n = note(i);
      sent += wireSize(n);
      s.subscriber.deliver(n, 'live');
    }
    expect(t.closedWith).toBe('slow_reader');
    expect(sent).toBeLessThanOrEqual(LIVE_CHECK_BYTES + wireSize(note(1)));
  });

  it('looks on each delivery of large notifications, and counts non-ASCII text at its UTF-8 worst', () => {
    const { t, transport } = stalledTransport();
    const s = session(transport);
    const big = note(1, { blob: 'x'.repeat(16 * 1024) });
    expect(wireSize(big)).toBeGreaterThanOrEqual(3 * 16 * 1024);
    expect(wireSize(note(2, {}, '订单已付款'.repeat(100)))).toBeGreaterThanOrEqual(Buffer.byteLength('订单已付款'.repeat(100)));
    for (let i = 0; i < 4; i++) s.subscriber.deliver({ ...big, id: String(i + 1) }, 'live');
    expect(t.looks).toBeGreaterThanOrEqual(2);
    s.end('server_shutdown');
  });

  it('replayed notifications do not count (replay waits for the buffer instead), and the sweep resets the count', () => {
    const { t, transport } = stalledTransport();
    const s = session(transport);
    for (let i = 1; i <= 500; i++) s.subscriber.deliver(note(i), 'replay');
    expect(t.looks).toBe(0);
    const perNote = wireSize(note(1));
    const justUnder = Math.floor((LIVE_CHECK_BYTES - 1) / perNote);
    for (let i = 1; i <= justUnder; i++) s.subscriber.deliver(note(1000 + i), 'live');
    expect(t.looks).toBe(0);
    s.checkBuffer(); // the sweep
    expect(t.looks).toBe(1);
    s.subscriber.deliver(note(5000), 'live');
    expect(t.looks).toBe(1); // counting starts again after the sweep's look
    s.end('server_shutdown');
  });
});

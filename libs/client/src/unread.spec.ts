import { UnreadTracker } from './unread';

const unread = (id: string) => ({ id, readAt: null });

describe('UnreadTracker', () => {
  it('is null until the first count, then adds unread arrivals above it', () => {
    const t = new UnreadTracker();
    t.received(unread('5'));
    expect(t.count.get()).toBeNull();
    t.adopt({ count: 3, upTo: '4' });
    expect(t.count.get()).toBe(4); // 3 up to id 4, plus id 5 received before the count came
    t.received(unread('6'));
    t.received({ id: '7', readAt: '2026-12-02T00:00:00.000Z' }); // the reader's own action: arrives read
    expect(t.count.get()).toBe(5);
  });

  it('does not count twice what a later count covers, nor what arrives at or below it', () => {
    const t = new UnreadTracker();
    t.adopt({ count: 0, upTo: '10' });
    t.received(unread('11'));
    t.received(unread('12'));
    t.adopt({ count: 2, upTo: '12' }); // the server counted both
    expect(t.count.get()).toBe(2);
    t.received(unread('9')); // a replayed one the count includes
    expect(t.count.get()).toBe(2);
  });

  it('ignores a count older than the one held, and follows reads', () => {
    const t = new UnreadTracker();
    t.adopt({ count: 5, upTo: '20' });
    t.adopt({ count: 9, upTo: '15' }); // late answer from before
    expect(t.count.get()).toBe(5);
    t.received(unread('21'));
    t.read(['21']);
    expect(t.count.get()).toBe(5);
    t.adopt({ count: 4, upTo: '20' }); // a read on another device, same high-water mark
    expect(t.count.get()).toBe(4);
  });

  it('treats a count without upTo (an older server) as absolute, and refuses nonsense', () => {
    const t = new UnreadTracker();
    t.adopt({ count: 2, upTo: '3' });
    t.received(unread('4'));
    t.adopt({ count: 7 });
    expect(t.count.get()).toBe(7);
    t.adopt({ count: -1, upTo: '99' });
    t.adopt({ count: 1.5, upTo: '99' });
    expect(t.count.get()).toBe(7);
  });
});

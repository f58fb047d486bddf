import type { Notification } from '@herald/contracts';
import { NotificationStore } from '@herald/notifications';
import { pushClient } from './support/push';
import { twoInstances } from './support/server';
import { testClient, until } from './support/wait';

/**
 * Wake-ups of the live feed. A commit wakes its own instance in process, so that instance skips the pg_notify it
 * sent itself (else every commit costs a second, empty read of the tail); another instance on the same database,
 * without Redis, is woken by that notify, well before its one-second poll.
 */
describe('live feed wake-ups', () => {
  const servers = twoInstances({ PUSH_RATE_PER_SECOND: '1000' });

  it('reads the tail once per commit on the writing instance, and wakes the other one by notify', async () => {
    const { a, b } = servers;
    const bob = await a.login('bob');
    const onA = testClient(a.url, () => bob.accessToken);
    const onB = testClient(b.url, () => bob.accessToken);
    const gotA: Notification[] = [];
    const gotB: Array<{ n: Notification; at: number }> = [];
    onA.on('notification', (n) => gotA.push(n));
    onB.on('notification', (n) => gotB.push({ n, at: Date.now() }));
    try {
      onA.connect();
      onB.connect();
      await until(() => onA.state.get() === 'connected' && onB.state.get() === 'connected', 'both devices live');
      const store = a.app.get(NotificationStore);
      let tails = 0;
      const after = store.after.bind(store);
      store.after = (cursor, limit) => {
        tails++;
        return after(cursor, limit);
      };
      const { push } = await pushClient(a, 'wakeups');
      const sentAt: number[] = [];
      for (let i = 0; i < 10; i++) {
        sentAt.push(Date.now());
        const res = await push({ to: { userIds: [bob.user.id] }, type: 'stock.low', title: `wake ${i}` });
        expect(res.status).toBe(202);
        await until(() => gotA.length === i + 1 && gotB.length === i + 1, `push ${i} on both devices`);
      }
      store.after = after;
      // One read per commit (the pg_notify echo is skipped); before, each commit was read twice.
      expect(tails).toBeLessThanOrEqual(12);
      // B has no in-process signal for A's commits: each arrived well before its one-second poll would have fetched it.
      const lags = gotB.map((g, i) => g.at - sentAt[i]);
      expect(Math.max(...lags)).toBeLessThan(700);
    } finally {
      onA.close();
      onB.close();
    }
  });
});

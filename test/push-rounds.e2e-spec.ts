import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { pushClient } from './support/push';
import { loginAll, startTestServer, TestServer } from './support/server';
import { sleep } from './support/sockets';

/**
 * Single pushes are checked in rounds (one user lookup and one delivery plan per round): what arrives while a
 * round is at the database waits for the next round instead of sending statements of its own, so under load
 * the rounds grow and the statements do not. A push alone is checked at once.
 */
describe('single pushes checked in rounds', () => {
  let server: TestServer;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let lookups = 0;

  beforeAll(async () => {
    server = await startTestServer({ env: { PUSH_RATE_PER_SECOND: '1000' } });
    ({ push } = await pushClient(server, 'rounds'));
    await loginAll(server, { tokens, ids });
    // Counts the rounds' user lookups as they are sent to the database (alone, or with the round's plan).
    const db = server.app.get(DataSource);
    const query = db.query.bind(db);
    db.query = ((sql: unknown, params?: unknown[]) => {
      if (/FROM users (u )?WHERE (u\.)?id = ANY/.test(String(sql))) lookups++;
      return query(sql as string, params);
    }) as typeof db.query;
  });
  afterAll(() => server?.stop());

  const body = (i: number, to = ids.alice) => ({ to: { userIds: [to] }, type: 'test.rounds', title: `Round ${i}` });

  it('pushes that arrive while a round waits on the database share the next round', async () => {
    if (server.db.embedded) {
      // The embedded database has one backend for every client: a lock held by another client holds nobody.
      if (process.env.CI) throw new Error('PostgreSQL is required in CI');
      process.stderr.write('[herald tests] push-rounds: needs PostgreSQL to hold a round at the database with a lock\n');
      return;
    }
    // A lock on users holds the first round's lookup at the database.
    const holder = new Client({ connectionString: server.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      lookups = 0;
      const first = push(body(0));
      await sleep(200);
      expect(lookups).toBe(1);
      // 30 pushes, each its own request, sent over some time so they reach the server in many turns of its loop.
      const later: Array<ReturnType<typeof push>> = [];
      for (let i = 1; i <= 30; i++) {
        later.push(push(body(i, i % 2 ? ids.bob : ids.carol)));
        if (i % 5 === 0) await sleep(20);
      }
      await sleep(300);
      expect(lookups).toBe(1); // none of them asked the database on its own
      await holder.query('COMMIT');
      const answers = await Promise.all([first, ...later]);
      expect(answers.map((a) => a.status)).toEqual(Array(31).fill(202));
      expect(answers.map((a) => a.body.recipients)).toEqual(Array(31).fill(1));
      // The first round, then one for all 30 (two if the last arrived just as the first round ended).
      expect(lookups).toBeGreaterThanOrEqual(2);
      expect(lookups).toBeLessThanOrEqual(3);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  });

  it('a round does not mix up answers: a bad user fails only its own push', async () => {
    const answers = await Promise.all([push(body(1)), push(body(2, '987654321')), push(body(3, ids.dave))]);
    expect(answers.map((a) => a.status)).toEqual([202, 400, 202]);
    expect(answers[1].body.message).toBe('to.userIds: no user with id 987654321.');
  });

  it('a round counts a disabled user as no recipient, alone and among others', async () => {
    const disabled = await server.request('PATCH', `/api/users/${ids.erin}`, { token: tokens.admin, body: { disabled: true } });
    expect(disabled.status).toBe(200);
    const alone = await push({ to: { userIds: [ids.erin] }, type: 'test.rounds', title: 'to a disabled user' });
    expect(alone.status).toBe(202);
    expect(alone.body.recipients).toBe(0);
    const mixed = await Promise.all([push({ to: { userIds: [ids.erin, ids.alice] }, type: 'test.rounds', title: 'mixed' }), push(body(5, ids.bob))]);
    expect(mixed.map((m) => [m.status, m.body.recipients])).toEqual([[202, 1], [202, 1]]);
  });

  it('a push alone is checked at once', async () => {
    const t0 = Date.now();
    const alone = await push(body(4));
    expect(alone.status).toBe(202);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

import { DataSource } from 'typeorm';
import { TestServer, twoInstances } from './support/server';
import { pushClient } from './support/push';

/**
 * API keys are cached (a push costs no key lookup), and a revocation is immediate: the next push with
 * the key is refused, on the instance that revoked it and on another instance on the same database,
 * even before that instance's cache has heard of it (the write transaction reads the key's state).
 */
describe('cached API keys, revoked at once everywhere', () => {
  const servers = twoInstances({ PUSH_RATE_PER_SECOND: '1000' });

  const pushWith = (server: TestServer, key: string) =>
    server.request('POST', '/api/push', { body: { to: { all: true }, type: 'key.test', title: 'x' }, headers: { 'x-api-key': key } });

  it('uses the cache: a key works without a lookup per push', async () => {
    const { a, b } = servers;
    const { key, keyId } = await pushClient(a, 'cached');
    expect((await pushWith(a, key)).status).toBe(202);
    // Changing the stored hash behind the server's back: a cached key still passes, so the cache is in use.
    await a.app.get(DataSource).query(`UPDATE api_keys SET key_hash = md5(key_hash) || md5(key_hash || 'x') WHERE id = $1`, [keyId]);
    expect((await pushWith(a, key)).status).toBe(202);
    // An instance that never saw the key looks it up, and finds nothing.
    expect((await pushWith(b, key)).status).toBe(401);
  });

  it('refuses a revoked key on the next push, here and on the other instance', async () => {
    const { a, b } = servers;
    const admin = await a.login('admin');
    const { key, keyId } = await pushClient(a, 'to-revoke');
    // Both instances have it cached.
    for (let i = 0; i < 3; i++) {
      expect((await pushWith(a, key)).status).toBe(202);
      expect((await pushWith(b, key)).status).toBe(202);
    }
    expect((await a.request('DELETE', `/api/api-keys/${keyId}`, { token: admin.accessToken })).status).toBe(204);
    const onA = await pushWith(a, key);
    const onB = await pushWith(b, key);
    expect({ a: onA.status, b: onB.status, code: onB.body.code }).toEqual({ a: 401, b: 401, code: 'invalid_api_key' });
    // Revoking on B works the same way for A.
    const other = await pushClient(a, 'to-revoke-b');
    expect((await pushWith(a, other.key)).status).toBe(202);
    expect((await b.request('DELETE', `/api/api-keys/${other.keyId}`, { token: admin.accessToken })).status).toBe(204);
    expect((await pushWith(a, other.key)).status).toBe(401);
  });

  it('refuses a push whose key was revoked before it was written, even when the cache has not heard (no notify reached it)', async () => {
    const { a } = servers;
    const { key, keyId } = await pushClient(a, 'silent-revoke');
    expect((await pushWith(a, key)).status).toBe(202);
    const db = a.app.get(DataSource);
    const before = await db.query(`SELECT count(*)::int AS n FROM notifications WHERE api_key_id = $1`, [keyId]);
    // Revoked behind the servers' back: no pg_notify, so both caches still hold the key.
    await db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [keyId]);
    const single = await pushWith(a, key);
    expect({ status: single.status, code: single.body.code }).toEqual({ status: 401, code: 'invalid_api_key' });
    const batch = await a.request('POST', '/api/push/batch', {
      body: { items: [{ to: { all: true }, type: 'key.test', title: 'one' }, { to: { all: true }, type: 'key.test', title: 'two' }] },
      headers: { 'x-api-key': key },
    });
    expect({ status: batch.status, code: batch.body.code }).toEqual({ status: 401, code: 'invalid_api_key' });
    // Nothing was written, and the key has left the cache: the next push is refused at the door.
    expect(await db.query(`SELECT count(*)::int AS n FROM notifications WHERE api_key_id = $1`, [keyId])).toEqual(before);
    expect((await pushWith(a, key)).status).toBe(401);
  });

  it('in one shared write, refuses only the silently revoked key\'s pushes and commits the others', async () => {
    const { a } = servers;
    const good = await pushClient(a, 'shared-good');
    const bad = await pushClient(a, 'shared-bad');
    expect((await pushWith(a, good.key)).status).toBe(202);
    expect((await pushWith(a, bad.key)).status).toBe(202);
    const db = a.app.get(DataSource);
    const count = async (keyId: string) => (await db.query(`SELECT count(*)::int AS n FROM notifications WHERE api_key_id = $1`, [keyId]))[0].n as number;
    const [goodBefore, badBefore] = [await count(good.keyId), await count(bad.keyId)];
    await db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [bad.keyId]);
    // Sent together, so the writer puts them in the same batch (one statement that finds the revoked key, then the long way).
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => pushWith(a, i % 2 ? bad.key : good.key)));
    expect(answers.map((r) => r.status)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? 401 : 202)));
    expect({ good: await count(good.keyId), bad: await count(bad.keyId) }).toEqual({ good: goodBefore + 10, bad: badBefore });
    const ids = answers.filter((r) => r.status === 202).map((r) => BigInt(r.body.ids[0] as string));
    expect(new Set(ids).size).toBe(10);
  });

  it('refuses unknown keys every time (they are never cached)', async () => {
    const { a } = servers;
    for (let i = 0; i < 3; i++) expect((await pushWith(a, `hk_unknown_${i}`)).status).toBe(401);
  });
});

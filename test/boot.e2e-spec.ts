import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtServerEntry, freePort, runServer, ServerProcess, waitForHealthy } from './support/built-server';

/**
 * The real server, started as `node dist/apps/server/src/main.js` with no DATABASE_URL: the
 * embedded database in DATA_DIR, demo users, one process per folder, a clean stop on SIGTERM.
 */
describe('boot with no configuration (embedded database)', () => {
  let dataDir: string;
  let port: number;
  let first: ServerProcess | undefined;
  let second: ServerProcess | undefined;
  const env = () => ({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' });

  beforeAll(async () => {
    builtServerEntry();
    dataDir = mkdtempSync(join(tmpdir(), 'herald-boot-'));
    port = await freePort();
  }, 180_000);

  afterAll(async () => {
    // A process left running would keep Jest from exiting (and CI from finishing) after a failure.
    for (const p of [first, second]) {
      if (p && p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGKILL');
        await p.exited;
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves /health and lets alice log in, and says where the data lives', async () => {
    first = runServer(env());
    await waitForHealthy(`http://127.0.0.1:${port}/health`, first, 100_000);
    const res = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'herald-demo' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accessToken: string; user: { username: string } };
    expect(body.user.username).toBe('alice');
    const me = await fetch(`http://127.0.0.1:${port}/api/auth/me`, { headers: { authorization: `Bearer ${body.accessToken}` } });
    expect(me.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);

    expect(first.output()).toContain(dataDir);
    expect(first.output()).toMatch(/herald-demo/);
    expect(readFileSync(join(dataDir, 'herald.lock'), 'utf8')).toBe(String(first.child.pid));
  }, 120_000);

  it('refuses a second process on the same DATA_DIR with exit code 1 and the lock message', async () => {
    second = runServer({ ...env(), PORT: String(await freePort()) });
    expect(await second.exited).toBe(1);
    const lines = second.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^herald: The embedded database in ${dataDir} is in use by process ${first!.child.pid}\\.`));
    // The first one is unharmed.
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  }, 60_000);

  it('stops on SIGTERM with exit code 0 and removes its lock', async () => {
    first!.child.kill('SIGTERM');
    expect(await first!.exited).toBe(0);
    expect(existsSync(join(dataDir, 'herald.lock'))).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  }, 60_000);
});

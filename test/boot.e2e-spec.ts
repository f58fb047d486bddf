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

  it('prints one plain-text banner with the URL, the demo users, password and API key', async () => {
    // The banner is written right after listening; give it a moment on a loaded machine.
    for (let i = 0; i < 50 && !first!.output().includes('Demo API key:'); i++) await new Promise((r) => setTimeout(r, 100));
    const lines = first!.output().split('\n');
    const start = lines.findIndex((l) => l.startsWith('Herald is running: '));
    expect(start).toBeGreaterThan(-1);
    const banner = lines.slice(start, start + 6).join('\n');
    expect(banner).toContain(`http://127.0.0.1:${port}`);
    expect(banner).toMatch(/^Demo users: +admin, alice, bob, carol, dave, erin$/m);
    expect(banner).toMatch(/^Password: +herald-demo\b/m);
    expect(banner).toMatch(/^Demo API key: +hk_demo_[A-Za-z0-9_-]{32}$/m);
    // The key it shows is the one that works.
    const key = banner.match(/hk_demo_[A-Za-z0-9_-]{32}/)![0];
    const pushed = await fetch(`http://127.0.0.1:${port}/api/push`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ to: { all: true }, type: 'demo.hello', title: 'Hello' }),
    });
    expect(pushed.status).toBeLessThan(300);
    // One banner, not one per seeder; the JSON log lines stay.
    expect(first!.output().split('Herald is running: ')).toHaveLength(2);
    expect(first!.output()).toMatch(/^\{.*"apiKey":"hk_demo_/m);
  }, 30_000);

  it('refuses a port in use with one line naming it, exit code 1, and no claim to have started', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'herald-boot-port-'));
    try {
      const taken = runServer({ ...env(), DATA_DIR: otherDir });
      expect(await taken.exited).toBe(1);
      const lines = taken.output().trim().split('\n');
      expect(lines).toEqual([`herald: port ${port} is in use; set PORT to another port (PORT=0 picks a free one).`]);
      expect(taken.output()).not.toMatch(/successfully started|listening/i);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  }, 60_000);

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
    const last = first!.output().trim().split('\n').pop()!;
    expect(last).toContain('Herald stopped');
    expect(first!.output().match(/Herald stopped/g)).toHaveLength(1);
    expect(existsSync(join(dataDir, 'herald.lock'))).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  }, 60_000);
});

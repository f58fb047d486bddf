import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { builtServerEntry, freePort } from './support/built-server';
import { createTestDatabase, TestDatabase } from './support/database';

/**
 * The production recipe of docs/production.md, followed for real: the built dist/ (and apps/web/dist/), scripts/
 * and the package files copied into a folder of their own, `NODE_ENV=production npm ci --omit=dev` there, then
 * check-config and `npm start` with no dev tool installed.
 *
 * That install takes 2-3 minutes on a loaded machine, so the folder is keyed by the hash of package.json and
 * package-lock.json and kept in the temp dir: the install is redone whenever either changes, and only then.
 */
const ROOT = join(__dirname, '..');
const PACKAGE_FILES = ['package.json', 'package-lock.json'];
const lockHash = createHash('sha256')
  .update(PACKAGE_FILES.map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\0'))
  .digest('hex')
  .slice(0, 16);
const HOST_DIR = join(tmpdir(), `herald-production-${lockHash}`);
const INSTALLED_MARK = join(HOST_DIR, 'node_modules', '.herald-installed');
const INSTALL = ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
const SECRET = 'production-test-secret-0123456789abcdef';

// This repository's node_modules/.bin (dev tools, Node 24) is on PATH under `npm run jest`: the "host" must not see it.
const hostPath = (process.env.PATH ?? '').split(delimiter).filter((p) => !p.startsWith(join(ROOT, 'node_modules'))).join(delimiter);

/** Environment of a process on the production host: exactly `env`, plus PATH and HOME (npm's cache). */
const hostEnv = (env: Record<string, string>) => ({ PATH: hostPath, HOME: process.env.HOME ?? tmpdir(), ...env });

function run(command: string, args: string[], env: Record<string, string>, timeoutMs = 30_000) {
  const r = spawnSync(command, args, { cwd: HOST_DIR, env: hostEnv(env), encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', lines: `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').filter(Boolean) };
}

/** Lines a script wrote itself, without npm's `> herald@0.1.0 check-config` banner and `npm error` trailer. */
const ownLines = (lines: string[]) => lines.filter((l) => !/^> /.test(l) && !/^npm (error|warn)/.test(l));

describe('production recipe: npm ci --omit=dev and the shipped dist/', () => {
  let db: TestDatabase;
  let installSeconds: number | undefined;

  beforeAll(async () => {
    builtServerEntry();
    // Installs for package files that have since changed are of no further use (about 400 MB each).
    for (const old of readdirSync(tmpdir()).filter((d) => d.startsWith('herald-production-') && join(tmpdir(), d) !== HOST_DIR)) {
      rmSync(join(tmpdir(), old), { recursive: true, force: true });
    }
    mkdirSync(HOST_DIR, { recursive: true });
    for (const f of PACKAGE_FILES) cpSync(join(ROOT, f), join(HOST_DIR, f));
    if (!existsSync(INSTALLED_MARK)) {
      rmSync(join(HOST_DIR, 'node_modules'), { recursive: true, force: true });
      const started = Date.now();
      const r = run('npm', INSTALL, { NODE_ENV: 'production' }, 420_000);
      if (r.status !== 0) throw new Error(`npm ${INSTALL.join(' ')} failed (${r.status}):\n${r.stderr}`);
      installSeconds = Math.round((Date.now() - started) / 1000);
      writeFileSync(INSTALLED_MARK, new Date().toISOString());
    }
    process.stderr.write(`[production test] ${HOST_DIR}: ${installSeconds === undefined ? 'install reused (same package files)' : `npm ci --omit=dev took ${installSeconds} s`}\n`);
    // What the build host ships, fresh on every run: never a source file, never a compiler.
    for (const d of ['dist', 'apps', 'scripts']) rmSync(join(HOST_DIR, d), { recursive: true, force: true });
    cpSync(join(ROOT, 'dist'), join(HOST_DIR, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'scripts'), join(HOST_DIR, 'scripts'), { recursive: true });
    if (existsSync(join(ROOT, 'apps/web/dist'))) cpSync(join(ROOT, 'apps/web/dist'), join(HOST_DIR, 'apps/web/dist'), { recursive: true });
    db = await createTestDatabase();
  }, 480_000);

  afterAll(async () => {
    await db?.drop();
  });

  it('has no dev tool installed, and npm scripts run on the pinned Node 24', () => {
    for (const tool of ['@nestjs/cli', 'jest', 'vite', 'ts-jest', '@nestjs/testing']) {
      expect(existsSync(join(HOST_DIR, 'node_modules', tool))).toBe(false);
    }
    expect(existsSync(join(HOST_DIR, 'node_modules/@nestjs/core'))).toBe(true);
    const r = run('npm', ['exec', '--', 'node', '-p', 'process.versions.node'], {});
    expect(r.stdout.trim()).toMatch(/^24\./);
  });

  it('check-config: a bad environment exits 1 with the one line the server itself prints', async () => {
    const bad = { NODE_ENV: 'production', JWT_SECRET: 'too-short', DATABASE_URL: 'mysql://x' };
    const r = run('npm', ['run', '--silent', 'check-config'], bad);
    expect(r.status).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^herald: Invalid configuration: DATABASE_URL="mysql:\/\/x": must be a postgres:\/\/ or postgresql:\/\/ URL; JWT_SECRET=\(hidden\): must be at least 32 bytes long$/);
    expect(r.lines[0]).not.toContain('too-short');
    // The server started with the same environment stops with the same line.
    const server = run(join(HOST_DIR, 'node_modules/.bin/node'), ['dist/apps/server/src/main.js'], { ...bad, PORT: String(await freePort()) });
    expect(server.status).toBe(1);
    expect(ownLines(server.lines)).toEqual(r.lines);
  });

  it('check-config: a good environment exits 0 with one line and no secret; --connect names what it cannot reach', async () => {
    const good = { NODE_ENV: 'production', JWT_SECRET: SECRET, DATABASE_URL: db.url, TRUST_PROXY: '1', ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: 'ops-password-long' };
    const ok = run('npm', ['run', '--silent', 'check-config'], good);
    expect(ok.lines).toHaveLength(1);
    expect(ok.lines[0]).toMatch(/^configuration OK: NODE_ENV=production, .*PostgreSQL at 127\.0\.0\.1:\d+\/herald_test_/);
    expect(ok.status).toBe(0);
    for (const secret of [SECRET, 'ops-password-long']) expect(ok.stdout + ok.stderr).not.toContain(secret);

    const reached = run('npm', ['run', '--silent', 'check-config', '--', '--connect'], good);
    expect(reached.status).toBe(0);
    expect(reached.lines).toEqual([expect.stringMatching(/; reached PostgreSQL$/)]);

    const closed = String(await freePort());
    const unreachable = run('npm', ['run', '--silent', 'check-config', '--', '--connect'], {
      ...good,
      DATABASE_URL: `postgres://herald:db-secret@127.0.0.1:${closed}/herald`,
      REDIS_URL: `redis://127.0.0.1:${closed}`,
    });
    expect(unreachable.status).toBe(1);
    expect(unreachable.lines).toHaveLength(1);
    expect(unreachable.lines[0]).toContain(`PostgreSQL: Cannot connect to the database at 127.0.0.1:${closed}/herald (connection refused`);
    expect(unreachable.lines[0]).toContain(`Redis at 127.0.0.1:${closed}: connect ECONNREFUSED`);
    expect(unreachable.lines[0]).not.toContain('db-secret');
  }, 30_000);

  // `node scripts/start.js` is what `npm start` runs; it is spawned directly because npm runs scripts through
  // `sh -c`, which does not pass npm's SIGTERM on: a SIGTERM to npm alone leaves the server running (measured).
  it('npm start (scripts/start.js) runs the shipped dist/ without building: ready, first admin logs in, SIGTERM exits 0', async () => {
    const port = await freePort();
    const child = spawn(join(HOST_DIR, 'node_modules/.bin/node'), ['scripts/start.js'], {
      cwd: HOST_DIR,
      env: hostEnv({
        NODE_ENV: 'production',
        JWT_SECRET: SECRET,
        DATABASE_URL: db.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        ADMIN_USERNAME: 'ops',
        ADMIN_PASSWORD: 'ops-password-long',
        LOG_LEVEL: 'warn',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
    try {
      const deadline = Date.now() + 60_000;
      let ready = 0;
      while (Date.now() < deadline && child.exitCode === null) {
        ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status, () => 0);
        if (ready === 200) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      if (ready !== 200) throw new Error(`not ready (status ${ready}):\n${output}`);
      const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'ops', password: 'ops-password-long' }),
      });
      expect(login.status).toBe(200);
      expect(((await login.json()) as { user: { roles: string[] } }).user.roles).toContain('admin');
      // The demo users are not there in production.
      const demo = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'herald-demo' }),
      });
      expect(demo.status).toBe(401);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).not.toMatch(/build/i);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 90_000);

  it('with dist/ missing, npm start and check-config exit 1 saying how to build, never "the build failed"', () => {
    rmSync(join(HOST_DIR, 'dist'), { recursive: true, force: true });
    const env = { NODE_ENV: 'production', JWT_SECRET: SECRET, DATABASE_URL: db.url };
    const start = run(join(HOST_DIR, 'node_modules/.bin/node'), ['scripts/start.js'], env);
    expect(start.status).toBe(1);
    expect(start.lines).toHaveLength(1);
    expect(start.lines[0]).toMatch(/^herald: dist\/ is missing and the build tools are not installed .*`npm ci && npm run build && npx vite build --config apps\/web\/vite\.config\.ts`, then run `npm ci --omit=dev` here, or copy that dist\//);
    const viaNpm = run('npm', ['start'], env);
    expect(viaNpm.status).toBe(1);
    expect(ownLines(viaNpm.lines)).toEqual(start.lines);
    expect(viaNpm.stdout + viaNpm.stderr).not.toMatch(/build failed/);

    const check = run('npm', ['run', '--silent', 'check-config'], env);
    expect(check.status).toBe(1);
    expect(check.lines).toEqual([expect.stringMatching(/^herald: check-config reads the built server and dist\/ is missing/)]);
  });
});

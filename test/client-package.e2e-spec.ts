import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pushClient } from './support/push';
import { startTestServer, TestServer } from './support/server';

/**
 * @herald/client as another application gets it: built and packed from this repository, installed
 * from the tarball into a scratch project, imported as ESM and as CommonJS, type-checked with node16
 * resolution, and talking to a real Herald.
 */
const ROOT = resolve(__dirname, '..');
// Under `npm run jest` (and `npm test` in CI), the npm that runs us; else the one on PATH.
const NPM: [string, string[]] = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
// A child npm must not inherit the calling script's prefix, or it would install into the repository.
const CHILD_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(config_(local_)?prefix$|package_|lifecycle_)/i.test(k)));

/** Runs a command to its end within `ms`; rejects with its output when it fails or overruns. */
function run(cmd: string, args: string[], opts: { cwd: string; ms: number }): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.ms);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done(out);
      else fail(new Error(`${[cmd, ...args].join(' ')} ${signal ? `killed after ${opts.ms} ms` : `exited ${code}`}:\n${out}`));
    });
  });
}

// The app a user would write: connect, wait for one live notification, mark it read, print what came back.
const APP_BODY = `
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
const giveUp = setTimeout(() => { say({ event: 'timeout' }); process.exit(2); }, 20000);
const client = new HeraldClient({ url: process.env.HERALD_URL, getToken: async () => process.env.HERALD_TOKEN, socketOptions: { transports: ['websocket'] } });
client.on('error', (e) => say({ event: 'error', code: e.code, isClientError: e instanceof HeraldClientError }));
client.on('connected', () => say({ event: 'connected' }));
client.on('notification', (n, info) => {
  if (info.replayed) return;
  say({ event: 'notification', id: n.id, title: n.title, type: n.type });
  client.markRead([n.id]).then((ack) => {
    say({ event: 'ack', ack });
    client.close();
    clearTimeout(giveUp);
  }, (e) => { say({ event: 'ack-failed', message: String(e) }); process.exit(3); });
});
`;
const APPS = {
  esm: { file: 'app.mjs', source: `import { HeraldClient, HeraldClientError } from '@herald/client';\n${APP_BODY}` },
  cjs: { file: 'app.cjs', source: `const { HeraldClient, HeraldClientError } = require('@herald/client');\n${APP_BODY}` },
};

// Type-checks only if the package's declarations resolve under node16 and are real types (not `any`).
const TYPED_APP = `import { HeraldClient, type Notification, type Ack, type SessionClosed, type ServerToClientEvents } from '@herald/client';
const client = new HeraldClient({ url: 'http://127.0.0.1:1', getToken: async () => 'token', autoConnect: false });
client.on('notification', (n: Notification, info) => { const title: string = n.title; const replayed: boolean = info.replayed; void title; void replayed; });
client.on('closed', (c: SessionClosed) => void c.reason);
const ack: Promise<Ack<{ unread: number; upTo: string }>> = client.markRead(['1']);
type Unread = Parameters<ServerToClientEvents['unread']>[0];
// @ts-expect-error a title is a string: if the package's types were missing or any, this line would not be an error
const wrong: number = ({} as Notification).title;
export { ack, wrong, type Unread };
`;

interface Line {
  event: string;
  [k: string]: unknown;
}

/** Starts an app and hands back its JSON lines as they come. */
function startApp(scratch: string, file: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [file], { cwd: scratch, env: { ...CHILD_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  createInterface({ input: child.stdout }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l) as Line);
    } catch {
      lines.push({ event: 'text', text: l });
    }
  });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const waitFor = async (event: string, ms = 15_000): Promise<Line> => {
    const end = Date.now() + ms;
    for (;;) {
      const hit = lines.find((l) => l.event === event);
      if (hit) return hit;
      if (Date.now() > end || child.exitCode !== null) throw new Error(`${file} never said ${event}: ${JSON.stringify(lines)} ${stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { child, lines, exited, waitFor, stderr: () => stderr };
}

describe('@herald/client installed from its npm pack tarball', () => {
  let work: string;
  let scratch: string;
  let server: TestServer | undefined;
  let typeCheck: Promise<string>;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'herald-client-pkg-'));
    scratch = join(work, 'app');
    let t = Date.now();
    const built = await run(process.execPath, [join(ROOT, 'scripts/build-client.js'), `--pack=${join(work, 'pack')}`], { cwd: ROOT, ms: 120_000 });
    const tarball = built.trim().split('\n').at(-1)!;
    timings.buildAndPack = Date.now() - t;
    await mkdir(scratch);
    await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
    t = Date.now();
    // socket.io-client comes from the npm cache when it is there (it is, after the repository's own npm ci).
    await run(NPM[0], [...NPM[1], 'install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], { cwd: scratch, ms: 90_000 });
    timings.install = Date.now() - t;
    for (const app of Object.values(APPS)) await writeFile(join(scratch, app.file), app.source);
    await writeFile(join(scratch, 'typed.mts'), TYPED_APP);
    await writeFile(join(scratch, 'typed.cts'), TYPED_APP);
    await writeFile(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['typed.mts', 'typed.cts'] }),
    );
    // The type check runs beside the live checks (it is the slowest step); its test awaits it.
    t = Date.now();
    typeCheck = run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: scratch, ms: 90_000 }).finally(() => (timings.typeCheck = Date.now() - t));
    typeCheck.catch(() => undefined); // observed by its test; not an unhandled rejection meanwhile
    server = await startTestServer();
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await typeCheck?.catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
    console.log(`client package timings (ms): ${JSON.stringify(timings)}`);
  });

  it('ships the version of the repository, ESM + CJS entry points and only dist', async () => {
    const installed = JSON.parse(await readFile(join(scratch, 'node_modules/@herald/client/package.json'), 'utf8'));
    const root = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    expect(installed.version).toBe(root.version);
    expect(installed.dependencies).toEqual({ 'socket.io-client': expect.stringMatching(/^\^4\.8/) });
    expect(Object.keys(installed.dependencies ?? {}).some((d) => d.startsWith('@nestjs/'))).toBe(false);
    expect(installed.exports['.'].import.default).toMatch(/^\.\/dist\/esm\/.*\.js$/);
    expect(installed.exports['.'].require.default).toMatch(/^\.\/dist\/cjs\/.*\.js$/);
    // The one dependency was installed beside it (the scratch project sits outside the repository, so nothing leaks in).
    const socketIo = JSON.parse(await readFile(join(scratch, 'node_modules/socket.io-client/package.json'), 'utf8'));
    expect(socketIo.version).toMatch(/^4\.(8|9|\d\d)\./);
    // No path alias survived the build: every @herald/contracts import points inside the package.
    const dist = join(scratch, 'node_modules/@herald/client/dist');
    const shipped = (await readdir(dist, { recursive: true })).filter((f) => /\.(js|d\.ts)$/.test(f));
    expect(shipped.length).toBeGreaterThan(20);
    for (const f of shipped) expect(`${f}: ${await readFile(join(dist, f), 'utf8')}`).not.toMatch(/['"]@herald\//);
  });

  it.each(['esm', 'cjs'] as const)('%s: receives a live notification from a real Herald and a mark-read ack', async (format) => {
    const user = format === 'esm' ? 'alice' : 'bob';
    const login = await server!.login(user);
    const { push } = await pushClient(server!, `package-${format}`);
    const app = startApp(scratch, APPS[format].file, { HERALD_URL: server!.url, HERALD_TOKEN: login.accessToken });
    try {
      await app.waitFor('connected');
      const title = `From the ${format} package ${Date.now()}`;
      const pushed = await push({ to: { userIds: [login.user.id] }, type: 'test.package', title });
      expect(pushed.status).toBe(202);
      const got = await app.waitFor('notification');
      expect(got).toMatchObject({ title, type: 'test.package' });
      const { ack } = await app.waitFor('ack');
      const unread = (await server!.request('GET', '/api/notifications/unread-count', { token: login.accessToken })).body.count as number;
      expect(ack).toEqual({ ok: true, unread, upTo: expect.stringMatching(/^\d+$/) });
      expect(await app.exited).toBe(0); // close() lets the process end by itself: no timer or socket left behind
      expect(app.lines.filter((l) => l.event === 'error')).toEqual([]);
    } finally {
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    }
  }, 40_000);

  it('type-checks an app importing { HeraldClient, type Notification } with node16 resolution (ESM and CJS)', async () => {
    await expect(typeCheck).resolves.toBeDefined();
  }, 120_000);
});

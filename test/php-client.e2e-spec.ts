import { spawn, spawnSync } from 'node:child_process';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pushClient } from './support/push';
import { loginAll, startTestServer, TestServer } from './support/server';
import { connectSocket, TestSocket } from './support/sockets';

const inCi = process.env.CI === 'true' || process.env.CI === '1';
const PHP_DIR = join(__dirname, '..', 'clients', 'php');

/** Why the PHP client cannot be tested here (php or its curl extension missing), or null. */
function phpMissing(): string | null {
  const probe = spawnSync('php', ['-r', 'echo PHP_VERSION_ID >= 80100 && extension_loaded("curl") && extension_loaded("json") ? "ok" : PHP_VERSION;'], { encoding: 'utf8' });
  if (probe.error) return `php is not installed (${probe.error.message})`;
  return probe.stdout === 'ok' ? null : `php ${probe.stdout.trim()} lacks PHP >= 8.1 with the curl and json extensions`;
}
const missing = phpMissing();
if (missing && inCi) throw new Error(`${missing}: CI must test the PHP client (.ci/run installs php-cli and php-curl)`);
if (missing) process.stderr.write(`[herald tests] ${missing}: skipping the PHP client tests.\n`);
const describePhp = missing ? describe.skip : describe;

interface StubHit {
  path: string;
  at: number;
  body: { idempotencyKey?: string; to?: unknown };
  headers: IncomingMessage['headers'];
}

/**
 * A stand-in Herald on 127.0.0.1 for what a healthy one will not do on demand: /retry-503 and
 * /retry-429 refuse once with Retry-After: 1 then accept, /always-503 always refuses, /long-429
 * asks for 120 s, /hang never answers.
 */
function startStub(): Promise<{ server: Server; url: string; hits: StubHit[] }> {
  const hits: StubHit[] = [];
  const seen = new Map<string, number>();
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      const scenario = path.split('/')[1];
      let body: StubHit['body'] = {};
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch (err) {
        return json(res, 400, { statusCode: 400, error: 'Bad Request', message: `stub: not JSON (${(err as Error).message})` });
      }
      hits.push({ path, at: Date.now(), body, headers: req.headers });
      const count = (seen.get(scenario) ?? 0) + 1;
      seen.set(scenario, count);
      switch (scenario) {
        case 'retry-503':
          if (count === 1) return json(res, 503, { statusCode: 503, error: 'Service Unavailable', message: 'try later' }, { 'retry-after': '1' });
          return json(res, 202, { ids: ['9001'], recipients: 1, online: 0 });
        case 'retry-429':
          if (count === 1) return json(res, 429, { statusCode: 429, error: 'Too Many Requests', message: 'slow down' }, { 'retry-after': '1' });
          return json(res, 202, { ids: ['9002'], recipients: 1, online: 0 });
        case 'always-503':
          return json(res, 503, { statusCode: 503, error: 'Service Unavailable', message: 'database unavailable', code: 'db_down' }, { 'retry-after': '1' });
        case 'long-429':
          return json(res, 429, { statusCode: 429, error: 'Too Many Requests', message: 'slow down' }, { 'retry-after': '120' });
        case 'hang':
          return; // never answers; the client's timeout must end it
        default:
          return json(res, 404, { statusCode: 404, error: 'Not Found', message: `stub: no scenario ${scenario}` });
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits }));
  });
}

/** Runs a PHP script of clients/php; resolves with its exit code and output (killed after 40 s). */
function runPhp(script: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('php', [join(PHP_DIR, script), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describePhp('PHP client (clients/php) against a real Herald', () => {
  let server: TestServer;
  let stub: Awaited<ReturnType<typeof startStub>>;
  let alice: TestSocket;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let run: Awaited<ReturnType<typeof runPhp>>;
  let results: Record<string, unknown> = {};
  let apiKey: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { PUSH_RATE_PER_SECOND: '1000' } });
    stub = await startStub();
    await loginAll(server, { tokens, ids }, ['alice', 'bob']);
    alice = await connectSocket(server.url, { token: tokens.alice });
    apiKey = (await pushClient(server, 'php-client')).key;
    run = await runPhp('tests/run.php', {
      HERALD_URL: server.url,
      HERALD_API_KEY: apiKey,
      HERALD_ONLINE_USER_ID: ids.alice,
      HERALD_OFFLINE_USER_ID: ids.bob,
      HERALD_STUB_URL: stub.url,
    });
    for (const line of run.stdout.split('\n')) if (line.startsWith('RESULT ')) results = { ...results, ...JSON.parse(line.slice('RESULT '.length)) };
  }, 90_000);

  afterAll(async () => {
    alice?.close();
    stub?.server.closeAllConnections();
    await new Promise<void>((resolve) => (stub ? stub.server.close(() => resolve()) : resolve()));
    await server?.stop();
  });

  it('passes every check of clients/php/tests/run.php', () => {
    if (run.code !== 0) throw new Error(`php tests/run.php exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
    expect(run.stdout).toContain('all checks passed');
    expect(run.stdout).not.toContain('not ok');
  });

  it('the socket of the user received what PHP pushed, live', async () => {
    const live = results.live as string[];
    const idempotent = results.idempotent as string[];
    expect(live).toHaveLength(1);
    await alice.waitFor(() => [...live, ...idempotent, ...(results.broadcast as string[])].every((id) => alice.received.some((n) => n.id === id)), 5000, 'the PHP pushes');
    const n = alice.received.find((x) => x.id === live[0])!;
    expect(n).toMatchObject({ type: 'invoice.paid', title: 'Invoice INV-7 paid', body: 'From PHP', data: { invoice: 'INV-7' } });
    // The idempotent pair created one notification, delivered once.
    expect(alice.received.filter((x) => x.id === idempotent[0])).toHaveLength(1);
  });

  it('retries reuse the idempotency key and the request id, and wait Retry-After between attempts', () => {
    for (const [scenario, key] of [['/retry-503', results.retry503Key], ['/retry-429', results.retry429Key]] as const) {
      const attempts = stub.hits.filter((h) => h.path === `${scenario}/api/push`);
      expect(attempts).toHaveLength(2);
      expect(attempts.map((a) => a.body.idempotencyKey)).toEqual([key, key]);
      expect(attempts[1].headers['x-request-id']).toBe(attempts[0].headers['x-request-id']);
      expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(1000);
      expect(attempts[0].headers['x-api-key']).toBe('stub-key');
    }
    // Numeric ids go out as strings.
    expect(stub.hits.find((h) => h.path === '/retry-503/api/push')!.body.to).toEqual({ userIds: ['7'] });
    // retries: 1 is two attempts in all; a Retry-After beyond maxRetryWait is not waited for.
    expect(stub.hits.filter((h) => h.path === '/always-503/api/push')).toHaveLength(2);
    expect(stub.hits.filter((h) => h.path === '/long-429/api/push')).toHaveLength(1);
    expect(stub.hits.filter((h) => h.path === '/hang/api/push')).toHaveLength(1);
  });

  it('examples/push.php runs as written: presence, a push to the user, a push to a room', async () => {
    const example = await runPhp('examples/push.php', { HERALD_URL: server.url, HERALD_API_KEY: apiKey }, [ids.alice]);
    if (example.code !== 0) throw new Error(`examples/push.php exited ${example.code}:\n${example.stdout}\n${example.stderr}`);
    expect(example.stdout).toContain(`user ${ids.alice} is online`);
    expect(example.stdout).toMatch(/notification \d+: 1 recipient\(s\), 1 online/);
    expect(example.stdout).toMatch(/warehouse: [1-9]\d* recipient\(s\)/);
    await alice.waitFor(() => alice.received.some((n) => n.type === 'payment.received' && n.data?.invoice === 'INV-7'), 5000, 'the example push');
  });
});

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pushClient } from './support/push';
import { startTestServer, TestServer } from './support/server';

const ROOT = resolve(__dirname, '..');

/** Runs a Node script of node_modules on this very Node (the registry's Node 24 under npm scripts), bounded in time. */
function runNode(args: string[], cwd: string, timeoutMs = 90_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, NO_COLOR: '1', REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean }[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type Paths = Record<string, Record<string, Operation>>;


interface Schema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  oneOf?: Schema[];
  allOf?: Schema[];
}

/** Where `value` departs from `schema` (the small subset of JSON Schema the document uses); [] when it conforms. */
function mismatches(value: unknown, schema: Schema, schemas: Record<string, Schema>, at = '$'): string[] {
  if (schema.$ref) return mismatches(value, schemas[schema.$ref.split('/').pop()!], schemas, at);
  if (schema.allOf) return schema.allOf.flatMap((s) => mismatches(value, s, schemas, at));
  if (schema.oneOf) return schema.oneOf.some((s) => mismatches(value, s, schemas, at).length === 0) ? [] : [`${at}: matches none of oneOf`];
  if (value === null) return schema.nullable ? [] : [`${at}: null but not nullable`];
  if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} not in enum`];
  const actual = Array.isArray(value) ? 'array' : Number.isInteger(value) && schema.type === 'integer' ? 'integer' : typeof value;
  if (schema.type && actual !== schema.type) return [`${at}: ${actual}, documented ${schema.type}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => mismatches(v, schema.items ?? {}, schemas, `${at}[${i}]`));
  if (actual !== 'object' || !schema.properties) return [];
  const obj = value as Record<string, unknown>;
  const missing = (schema.required ?? []).filter((k) => !(k in obj)).map((k) => `${at}.${k}: required but missing`);
  const extra = schema.additionalProperties ? [] : Object.keys(obj).filter((k) => !schema.properties![k]).map((k) => `${at}.${k}: not documented`);
  return [...missing, ...extra, ...Object.entries(obj).filter(([k]) => schema.properties![k]).flatMap(([k, v]) => mismatches(v, schema.properties![k], schemas, `${at}.${k}`))];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const PUBLIC = ['/api/auth/login', '/api/auth/refresh', '/health', '/health/ready', '/api/meta'];

/** A file of real calls, type-checked against the generated types: wrong ones are marked @ts-expect-error, so `any` or `never` fails too. */
const CALLS = `import type { paths, components } from './schema';

type Json<Op, S extends keyof Op> = Op[S] extends { content: { 'application/json': infer B } } ? B : never;
type IsNever<T> = [T] extends [never] ? true : false;
type IsAny<T> = 0 extends 1 & T ? true : false;

type CreateOrder = NonNullable<paths['/api/orders']['post']['requestBody']>['content']['application/json'];
type CreatedOrder = Json<paths['/api/orders']['post']['responses'], 201>;
type LoginBody = NonNullable<paths['/api/auth/login']['post']['requestBody']>['content']['application/json'];
type LoggedIn = Json<paths['/api/auth/login']['post']['responses'], 200>;
type PushBody = NonNullable<paths['/api/push']['post']['requestBody']>['content']['application/json'];
type Pushed = Json<paths['/api/push']['post']['responses'], 202>;
type NotificationPage = Json<paths['/api/notifications']['get']['responses'], 200>;
type ListQuery = NonNullable<paths['/api/notifications']['get']['parameters']['query']>;
type Failure = Json<paths['/api/orders']['post']['responses'], 400>;
type StreamQuery = NonNullable<paths['/api/notifications/stream']['get']['parameters']['query']>;

const notNever: [IsNever<CreatedOrder>, IsNever<LoggedIn>, IsNever<Pushed>, IsNever<NotificationPage>, IsNever<Failure>] = [false, false, false, false, false];
const notAny: [IsAny<CreatedOrder>, IsAny<LoggedIn>, IsAny<Pushed>, IsAny<NotificationPage>] = [false, false, false, false];

async function call<T>(path: string, init: { method: string; token?: string; apiKey?: string; body?: unknown }): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers.authorization = 'Bearer ' + init.token;
  if (init.apiKey) headers['x-api-key'] = init.apiKey;
  const res = await fetch('http://127.0.0.1' + path, { method: init.method, headers, body: JSON.stringify(init.body) });
  if (!res.ok) {
    const err = (await res.json()) as Failure;
    throw new Error(err.statusCode + ' ' + err.error + ': ' + err.message + (err.code ? ' (' + err.code + ')' : '') + (err.requestId ? ' ' + err.requestId : ''));
  }
  return (await res.json()) as T;
}

export async function login(body: LoginBody): Promise<string> {
  const res = await call<LoggedIn>('/api/auth/login', { method: 'POST', body });
  const roles: string[] = res.user.roles;
  const expires: number = res.expiresIn;
  void roles, expires;
  return res.accessToken;
}

export async function createOrder(token: string): Promise<string> {
  const body: CreateOrder = { customer: 'ACME GmbH', items: [{ sku: 'SKU-1', name: 'Widget', qty: 2, unitPrice: '19.90' }], note: 'Deliver before noon' };
  const cleared: CreateOrder = { customer: 'ACME GmbH', items: [{ sku: 'SKU-1', name: 'Widget', qty: 1, unitPrice: 5 }], note: null };
  // @ts-expect-error note is a string, not a number
  const wrong: CreateOrder = { customer: 'ACME GmbH', items: [], note: 42 };
  void cleared, wrong;
  const order = await call<CreatedOrder>('/api/orders', { method: 'POST', token, body });
  const note: string | null | undefined = order.note;
  const total: string = order.total;
  const line: string = order.items[0].lineTotal;
  // @ts-expect-error version is a number
  const version: string = order.version;
  void note, total, line, version;
  return order.id;
}

export async function push(apiKey: string): Promise<number> {
  const body: PushBody = { to: { userIds: ['2'], rooms: ['orders'] }, type: 'payment.received', title: 'Paid', body: 'SO-1', data: { amount: '10.00' }, idempotencyKey: 'k-1' };
  // @ts-expect-error a push needs a title
  const untitled: PushBody = { to: { all: true }, type: 'payment.received' };
  void untitled;
  const res = await call<Pushed>('/api/push', { method: 'POST', apiKey, body });
  const ids: string[] = res.ids;
  void ids;
  return res.recipients + res.online;
}

export async function inbox(token: string, query: ListQuery): Promise<string[]> {
  const page = await call<NotificationPage>('/api/notifications?limit=' + String(query.limit ?? 20), { method: 'GET', token });
  const cursor: string | null | undefined = page.nextCursor;
  void cursor;
  return page.items.map((n) => n.id + n.type + n.title + n.room + n.createdAt + String(n.readAt));
}

// Both stream parameters are optional: a browser with a bearer header names neither.
export const noTicket: StreamQuery = {};
export const errorShape: components['schemas']['ErrorResponse'] = { statusCode: 404, error: 'Not Found', message: 'No order 9.', code: 'not_found' };
void notNever, notAny;
`;

describe('OpenAPI document', () => {
  let server: TestServer;
  let dir: string;
  let doc: { paths: Paths; components: { schemas: Record<string, unknown> } };
  let file: string;

  beforeAll(async () => {
    server = await startTestServer();
    const res = await server.request('GET', '/docs-json');
    expect(res.status).toBe(200);
    doc = res.body;
    dir = await mkdtemp(join(tmpdir(), 'herald-openapi-'));
    file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(res.body, null, 2));
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes redocly lint (recommended rules, redocly.yaml) with no error and no warning', async () => {
    const res = await runNode([join(ROOT, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', '--format=json', `--config=${join(ROOT, 'redocly.yaml')}`, file], dir);
    const start = res.stdout.indexOf('{');
    expect(start).toBeGreaterThanOrEqual(0);
    const report = JSON.parse(res.stdout.slice(start)) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
    const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location.map((l) => l.pointer).join(', ')}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(res.code).toBe(0);
  });

  it('gives every operation a success schema, the error shape on its 4xx answers and its security', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m] })));
    expect(operations.length).toBeGreaterThan(25);
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      const success = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s));
      expect([where, success.length]).toEqual([where, 1]);
      if (success[0] !== '204') expect([where, op.responses[success[0]].content]).toEqual([where, expect.any(Object)]);
      const errors = Object.keys(op.responses).filter((s) => /^[45]\d\d$/.test(s));
      expect([where, errors.length > 0]).toEqual([where, true]);
      for (const status of errors) {
        expect([where, status, op.responses[status].content?.['application/json']?.schema]).toEqual([where, status, { $ref: '#/components/schemas/ErrorResponse' }]);
      }
      if (PUBLIC.includes(path)) expect([where, op.security]).toEqual([where, [{}]]);
      else expect([where, op.security?.length && op.security.every((r) => Object.keys(r).length > 0) ? 'secured' : 'open']).toEqual([where, 'secured']);
      if (path.startsWith('/api/push')) expect([where, op.security]).toEqual([where, expect.arrayContaining([{ 'api-key': [] }])]);
    }
  });

  it('documents the SSE route as text/event-stream, with optional ticket and lastEventId and bearer or ticket auth', () => {
    const op = doc.paths['/api/notifications/stream'].get;
    expect(Object.keys(op.responses['200'].content ?? {})).toEqual(['text/event-stream']);
    const query = (op.parameters ?? []).filter((p) => p.in === 'query');
    expect(query.map((p) => [p.name, p.required ?? false]).sort()).toEqual([['lastEventId', false], ['ticket', false]]);
    expect(op.security).toEqual(expect.arrayContaining([{ bearer: [] }, { 'stream-ticket': [] }]));
  });

  it('types note and details as strings, not objects', () => {
    const schema = (name: string, prop: string) => (doc.components.schemas[name] as { properties: Record<string, { type?: string }> }).properties[prop];
    expect(schema('CreateOrderDto', 'note').type).toBe('string');
    expect(schema('UpdateOrderDto', 'note').type).toBe('string');
    expect(schema('CreateApprovalDto', 'details').type).toBe('string');
  });

  it('documents what the server really answers: real bodies match their documented schemas', async () => {
    const schemas = doc.components.schemas as Record<string, Schema>;
    const documented = (path: string, method: string, status: number) => (doc.paths[path][method].responses[String(status)].content?.['application/json']?.schema ?? {}) as Schema;
    const check = (path: string, method: string, res: { status: number; body: unknown }) => {
      expect([path, mismatches(res.body, documented(path, method, res.status), schemas)]).toEqual([path, []]);
    };
    const loginRes = await server.request('POST', '/api/auth/login', { body: { username: 'alice', password: 'herald-demo' } });
    expect(loginRes.status).toBe(200);
    check('/api/auth/login', 'post', loginRes);
    // The checker itself sees an undocumented field, a missing one and a wrong type.
    const { accessToken: _dropped, ...withoutToken } = loginRes.body;
    expect(mismatches({ ...withoutToken, extra: 1, expiresIn: '900' }, documented('/api/auth/login', 'post', 200), schemas)).toEqual([
      '$.accessToken: required but missing',
      '$.extra: not documented',
      '$.expiresIn: string, documented number',
    ]);
    const token = loginRes.body.accessToken as string;
    const created = await server.request('POST', '/api/orders', { token, body: { customer: 'ACME GmbH', items: [{ sku: 'SKU-1', name: 'Widget', qty: 2, unitPrice: '19.90' }], note: 'Deliver before noon' } });
    expect(created.status).toBe(201);
    check('/api/orders', 'post', created);
    check('/api/orders', 'get', await server.request('GET', '/api/orders', { token }));
    check('/api/orders/{id}', 'get', await server.request('GET', `/api/orders/${created.body.id}`, { token }));
    const { push } = await pushClient(server, 'openapi-check');
    const pushed = await push({ to: { userIds: [created.body.ownerId] }, type: 'payment.received', title: 'Paid', data: { invoice: 'INV-1' } });
    expect(pushed.status).toBe(202);
    check('/api/push', 'post', pushed);
    const inbox = await server.request('GET', '/api/notifications', { token });
    expect(inbox.body.items.length).toBeGreaterThan(0);
    check('/api/notifications', 'get', inbox);
    check('/api/auth/me', 'get', await server.request('GET', '/api/auth/me', { token }));
    check('/api/approvals', 'get', await server.request('GET', '/api/approvals', { token }));
    check('/health', 'get', await server.request('GET', '/health'));
    check('/health/ready', 'get', await server.request('GET', '/health/ready'));
    // Errors too: the one error shape, for bad input and for a missing resource.
    const bad = await server.request('POST', '/api/orders', { token, body: { customer: '', items: [] } });
    expect(bad.status).toBe(400);
    check('/api/orders', 'post', bad);
    const missing = await server.request('GET', '/api/orders/999999', { token });
    expect(missing.status).toBe(404);
    check('/api/orders/{id}', 'get', missing);
  });

  it('generates a TypeScript client with openapi-typescript whose real calls type-check (tsc --noEmit)', async () => {
    const gen = await runNode([join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), file, '--output', join(dir, 'schema.ts')], dir);
    expect([gen.code, gen.stderr]).toEqual([0, expect.any(String)]);
    await writeFile(join(dir, 'calls.ts'), CALLS);
    const tsconfig = {
      compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2023', 'DOM'], types: [], skipLibCheck: false, noUnusedLocals: false },
      files: ['calls.ts', 'schema.ts'],
    };
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = await runNode([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], dir);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });
});

import { APPROVAL_LIMITS, HTTP_ERROR_CODES, ORDER_LIMITS, type ErrorBody, type OrderDto } from '@herald/contracts';
import { startTestServer, TestServer } from './support/server';

/**
 * Issue 9, point 6: every error body keeps {statusCode, error, message, requestId} and carries a stable
 * `code`; a 400 about input says {field, rule, limit} (and `errors`, every problem). Limits come from
 * @herald/contracts: at the limit is accepted, one over is refused, so the DTOs really use them.
 */
describe('error codes and field problems', () => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  let carolId: string;
  let admin: string;
  const item = { sku: 'W-1', name: 'Widget', qty: 1, unitPrice: '1.00' };
  const valid = { customer: 'ACME', items: [item] };

  beforeAll(async () => {
    server = await startTestServer();
    alice = (await server.login('alice')).accessToken;
    bob = (await server.login('bob')).accessToken;
    admin = (await server.login('admin')).accessToken;
    carolId = (await server.login('carol')).user.id;
  });
  afterAll(() => server?.stop());

  /** The body of an error answer, checked for the shape every error has. */
  function errorOf(res: { status: number; body: unknown }, status: number): ErrorBody {
    expect(res.status).toBe(status);
    const body = res.body as ErrorBody;
    expect(body).toMatchObject({ statusCode: status, error: expect.any(String), message: expect.any(String), requestId: expect.any(String), code: expect.any(String) });
    expect(HTTP_ERROR_CODES).toContain(body.code);
    return body;
  }

  const createOrder = (body: unknown, token = alice) => server.request('POST', '/api/orders', { token, body });
  const submit = (body: unknown) => server.request('POST', '/api/approvals', { token: alice, body });

  describe('400: {code, field, rule, limit}', () => {
    it('customer: at the limit is created, one character over is refused with maxLength and the limit', async () => {
      const at = await createOrder({ ...valid, customer: 'c'.repeat(ORDER_LIMITS.customerMaxLength) });
      expect(at.status).toBe(201);
      const body = errorOf(await createOrder({ ...valid, customer: 'c'.repeat(ORDER_LIMITS.customerMaxLength + 1) }), 400);
      expect(body).toMatchObject({ code: 'validation_failed', field: 'customer', rule: 'maxLength', limit: ORDER_LIMITS.customerMaxLength });
      expect(body.errors).toEqual([{ field: 'customer', rule: 'maxLength', limit: 200, message: 'customer: must be shorter than or equal to 200 characters' }]);
      expect(body.message).toBe('customer: must be shorter than or equal to 200 characters');
    });

    it('quantity: 1,000,000 is accepted, 1,000,001 names items.0.qty, max and the limit', async () => {
      const at = await createOrder({ ...valid, items: [{ ...item, qty: ORDER_LIMITS.qtyMax }] });
      expect(at.status).toBe(201);
      expect((at.body as OrderDto).items[0].qty).toBe(1_000_000);
      const body = errorOf(await createOrder({ ...valid, items: [item, { ...item, qty: ORDER_LIMITS.qtyMax + 1 }] }), 400);
      expect(body).toMatchObject({ code: 'validation_failed', field: 'items.1.qty', rule: 'max', limit: 1_000_000 });
    });

    it('approval title: 150 is accepted, 151 is refused with maxLength 150', async () => {
      const base = { kind: 'leave', approverIds: [carolId] };
      const at = await submit({ ...base, title: 't'.repeat(APPROVAL_LIMITS.titleMaxLength) });
      expect(at.status).toBe(201);
      const body = errorOf(await submit({ ...base, title: 't'.repeat(APPROVAL_LIMITS.titleMaxLength + 1) }), 400);
      expect(body).toMatchObject({ code: 'validation_failed', field: 'title', rule: 'maxLength', limit: 150 });
    });

    it('no approvers: arrayMinSize 1; several problems are all listed, the first repeated at the top', async () => {
      const body = errorOf(await submit({ kind: 'leave', title: '   ', approverIds: [] }), 400);
      expect(body.errors?.map(({ field, rule, limit }) => ({ field, rule, limit })).sort((a, b) => a.field.localeCompare(b.field))).toEqual([
        { field: 'approverIds', rule: 'arrayMinSize', limit: 1 },
        { field: 'title', rule: 'notBlank', limit: undefined },
      ]);
      expect(body.field).toBe(body.errors?.[0].field);
      expect(body.message).toContain('approverIds: must contain at least 1 elements');
    });

    it('an unknown field is rule whitelist; a missing one is rule required', async () => {
      const unknown = errorOf(await createOrder({ ...valid, discount: 5 }), 400);
      expect(unknown).toMatchObject({ code: 'validation_failed', field: 'discount', rule: 'whitelist', message: 'discount: unknown field' });
      const missing = errorOf(await createOrder({ items: [item] }), 400);
      expect(missing).toMatchObject({ code: 'validation_failed', field: 'customer', rule: 'required' });
    });

    it('a bad route id names id; a service-side 400 still names its field; bad JSON is invalid_json', async () => {
      expect(errorOf(await server.request('GET', '/api/orders/abc', { token: alice }), 400)).toMatchObject({ code: 'validation_failed', field: 'id', rule: 'isHeraldId' });
      const tooMuch = errorOf(await createOrder({ ...valid, items: [{ ...item, qty: 1_000_000, unitPrice: '999999999999.99' }] }), 400);
      expect(tooMuch).toMatchObject({ code: 'validation_failed', field: 'items.0', rule: 'maxAmount' });
      const self = errorOf(await submit({ kind: 'leave', title: 'Me', approverIds: [(await server.login('alice')).user.id] }), 400);
      expect(self).toMatchObject({ code: 'validation_failed', field: 'approverIds' });
      const json = errorOf(await server.request('POST', '/api/orders', { token: alice, body: '{"customer":', headers: { 'content-type': 'application/json' } }), 400);
      expect(json.code).toBe('invalid_json');
      expect(json.field).toBeUndefined();
    });
  });

  describe('401, 403, 404, 409, 413 carry their code', () => {
    it('401: no token, a bad token, wrong password', async () => {
      expect(errorOf(await server.request('GET', '/api/orders'), 401).code).toBe('missing_token');
      expect(errorOf(await server.request('GET', '/api/orders', { token: 'not-a-jwt' }), 401).code).toBe('invalid_token');
      expect(errorOf(await server.request('POST', '/api/auth/login', { body: { username: 'alice', password: 'wrong-one' } }), 401).code).toBe('invalid_credentials');
      expect(errorOf(await server.request('POST', '/api/push', { headers: { 'x-api-key': 'hk_nope' }, body: {} }), 401).code).toBe('invalid_api_key');
    });

    it('403: forbidden', async () => {
      expect(errorOf(await createOrder(valid, bob), 403).code).toBe('forbidden');
      expect(errorOf(await server.request('GET', '/api/users', { token: alice }), 403).code).toBe('forbidden');
    });

    it('404: not_found, for a missing order and for an unknown route', async () => {
      expect(errorOf(await server.request('GET', '/api/orders/999999999', { token: alice }), 404).code).toBe('not_found');
      expect(errorOf(await server.request('GET', '/api/no-such-route', { token: alice }), 404).code).toBe('not_found');
    });

    it('409: stale_version, illegal_transition, username_taken', async () => {
      const order = (await createOrder(valid)).body as OrderDto;
      const stale = errorOf(await server.request('PATCH', `/api/orders/${order.id}`, { token: alice, body: { customer: 'B', version: order.version + 5 } }), 409);
      expect(stale.code).toBe('stale_version');
      const illegal = errorOf(await server.request('POST', `/api/orders/${order.id}/transition`, { token: admin, body: { to: 'delivered', version: order.version } }), 409);
      expect(illegal.code).toBe('illegal_transition');
      const taken = errorOf(await server.request('POST', '/api/users', { token: admin, body: { username: 'ALICE', password: 'long-enough-1', roles: ['staff'] } }), 409);
      expect(taken.code).toBe('username_taken');
    });

    it('413: payload_too_large', async () => {
      const res = await server.request('POST', '/api/orders', { token: alice, body: JSON.stringify({ ...valid, note: 'n'.repeat(300 * 1024) }) });
      expect(errorOf(res, 413).code).toBe('payload_too_large');
    });
  });
});

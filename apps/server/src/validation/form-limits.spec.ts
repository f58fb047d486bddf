import 'reflect-metadata';
import { BadRequestException, type ArgumentMetadata } from '@nestjs/common';
import { APPROVAL_LIMITS, ORDER_LIMITS, USER_LIMITS, type ErrorBody, type FieldProblem } from '@herald/contracts';
import { createValidationPipe } from '@herald/common';
import { CreateOrderDto, UpdateOrderDto } from '@herald/orders/dto/order.dto';
import { CreateApprovalDto, DecisionDto } from '@herald/approvals/dto/approval.dto';
import { CreateUserDto, LoginDto } from '@herald/auth/dto/auth.dto';
import { checkApproval, checkDecisionComment, checkLogin, checkOrder, type OrderDraft, type Problem } from '../../../web/src/form-checks';

/**
 * One source of limits: the web forms' checks (apps/web/src/form-checks.ts) and the server's DTOs
 * both read @herald/contracts. Here each limit is tried at the limit (both accept) and one over
 * (both refuse, with the same {field, rule, limit}), through the real ValidationPipe.
 */
const pipe = createValidationPipe();

async function serverProblems(metatype: ArgumentMetadata['metatype'], body: unknown): Promise<Problem[]> {
  try {
    await pipe.transform(body, { type: 'body', metatype });
    return [];
  } catch (err) {
    if (!(err instanceof BadRequestException)) throw err;
    const response = err.getResponse() as ErrorBody;
    expect(response.code).toBe('validation_failed');
    return (response.errors ?? []).map(({ field, rule, limit }: FieldProblem) => ({ field, rule, ...(limit !== undefined ? { limit } : {}) }));
  }
}

const chars = (n: number) => 'x'.repeat(n);
const orderDraft = (patch: Partial<OrderDraft> = {}, item: Partial<OrderDraft['items'][0]> = {}): OrderDraft => ({
  customer: 'ACME',
  note: '',
  items: [{ sku: 'SKU-1', name: 'Widget', qty: '3', unitPrice: '19.90', ...item }],
  ...patch,
});
/** The body the order form sends for a draft. */
const orderBody = (d: OrderDraft) => ({
  customer: d.customer.trim(),
  items: d.items.map((i) => ({ sku: i.sku.trim(), name: i.name.trim(), qty: Number(i.qty), unitPrice: i.unitPrice })),
  ...(d.note.trim() ? { note: d.note.trim() } : {}),
});

describe('form limits: the browser refuses exactly what the server refuses', () => {
  const L = ORDER_LIMITS;
  const orderCases: Array<[string, number, (n: number) => OrderDraft, string]> = [
    ['customer', L.customerMaxLength, (n) => orderDraft({ customer: chars(n) }), 'customer'],
    ['note', L.noteMaxLength, (n) => orderDraft({ note: chars(n) }), 'note'],
    ['sku', L.skuMaxLength, (n) => orderDraft({}, { sku: chars(n) }), 'items.0.sku'],
    ['item name', L.itemNameMaxLength, (n) => orderDraft({}, { name: chars(n) }), 'items.0.name'],
  ];

  it.each(orderCases)('order %s: %i characters pass both, one more fails both with maxLength', async (_name, limit, draft, field) => {
    expect(checkOrder(draft(limit))).toEqual([]);
    expect(await serverProblems(CreateOrderDto, orderBody(draft(limit)))).toEqual([]);
    const over = { field, rule: 'maxLength', limit };
    expect(checkOrder(draft(limit + 1))).toEqual([over]);
    expect(await serverProblems(CreateOrderDto, orderBody(draft(limit + 1)))).toEqual([over]);
    // Editing checks the same limits.
    if (field === 'customer' || field === 'note') expect(await serverProblems(UpdateOrderDto, { ...orderBody(draft(limit + 1)), version: 1 })).toEqual([over]);
  });

  it('quantity: 1 to 1,000,000 on both sides (the form used to stop at 999,999)', async () => {
    for (const [qty, expected] of [
      [String(L.qtyMax), []],
      ['1', []],
      [String(L.qtyMax + 1), [{ field: 'items.0.qty', rule: 'max', limit: L.qtyMax }]],
      ['0', [{ field: 'items.0.qty', rule: 'min', limit: L.qtyMin }]],
    ] as const) {
      const d = orderDraft({}, { qty });
      expect([qty, checkOrder(d)]).toEqual([qty, expected]);
      expect([qty, await serverProblems(CreateOrderDto, orderBody(d))]).toEqual([qty, expected]);
    }
  });

  it('items per order: the limit passes, one more fails both with arrayMaxSize', async () => {
    const many = (n: number) => orderDraft({ items: Array.from({ length: n }, (_, i) => ({ sku: `S${i}`, name: 'W', qty: '1', unitPrice: '1' })) });
    expect(checkOrder(many(L.itemsMax))).toEqual([]);
    expect(await serverProblems(CreateOrderDto, orderBody(many(L.itemsMax)))).toEqual([]);
    const over = [{ field: 'items', rule: 'arrayMaxSize', limit: L.itemsMax }];
    expect(checkOrder(many(L.itemsMax + 1))).toEqual(over);
    expect(await serverProblems(CreateOrderDto, orderBody(many(L.itemsMax + 1)))).toEqual(over);
  });

  it('unit price: the amount rule is the same regular expression on both sides', async () => {
    for (const price of ['0', '19.9', '999999999999.99', '007', '1.234', '-1', '1e3', '1000000000000']) {
      const d = orderDraft({}, { unitPrice: price });
      const web = checkOrder(d);
      const server = await serverProblems(CreateOrderDto, orderBody(d));
      expect([price, web.length > 0]).toEqual([price, server.length > 0]);
      if (server.length) expect(server).toEqual([{ field: 'items.0.unitPrice', rule: 'isMoney' }]);
    }
  });

  const A = APPROVAL_LIMITS;
  const approval = (patch: Partial<{ title: string; details: string; approverIds: string[] }> = {}) => ({ kind: 'purchase', title: 'Laptops', amount: '10.00', details: '', approverIds: ['4'], ...patch });
  const approvalBody = (d: ReturnType<typeof approval>) => ({ kind: d.kind, title: d.title.trim(), amount: d.amount, approverIds: d.approverIds, ...(d.details.trim() ? { details: d.details.trim() } : {}) });

  it.each([
    ['title', A.titleMaxLength, (n: number) => approval({ title: chars(n) })],
    ['details', A.detailsMaxLength, (n: number) => approval({ details: chars(n) })],
  ] as const)('approval %s: %i characters pass both, one more fails both (the form said 200 for a title the server caps at 150)', async (field, limit, draft) => {
    expect(checkApproval(draft(limit))).toEqual([]);
    expect(await serverProblems(CreateApprovalDto, approvalBody(draft(limit)))).toEqual([]);
    const over = [{ field, rule: 'maxLength', limit }];
    expect(checkApproval(draft(limit + 1))).toEqual(over);
    expect(await serverProblems(CreateApprovalDto, approvalBody(draft(limit + 1)))).toEqual(over);
  });

  it('approvers: none and more than the maximum fail both', async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 2));
    expect(checkApproval(approval({ approverIds: ids(A.approversMax) }))).toEqual([]);
    expect(await serverProblems(CreateApprovalDto, approvalBody(approval({ approverIds: ids(A.approversMax) })))).toEqual([]);
    for (const [n, expected] of [
      [0, [{ field: 'approverIds', rule: 'arrayMinSize', limit: A.approversMin }]],
      [A.approversMax + 1, [{ field: 'approverIds', rule: 'arrayMaxSize', limit: A.approversMax }]],
    ] as const) {
      expect(checkApproval(approval({ approverIds: ids(n) }))).toEqual(expected);
      expect(await serverProblems(CreateApprovalDto, approvalBody(approval({ approverIds: ids(n) })))).toEqual(expected);
    }
  });

  it('decision comment and sign-in lengths', async () => {
    const comment = (n: number) => ({ decision: 'approve', comment: chars(n), version: 1 });
    expect(checkDecisionComment(chars(A.commentMaxLength))).toEqual([]);
    expect(await serverProblems(DecisionDto, comment(A.commentMaxLength))).toEqual([]);
    expect(checkDecisionComment(chars(A.commentMaxLength + 1))).toEqual([{ field: 'comment', rule: 'maxLength', limit: A.commentMaxLength }]);
    expect(await serverProblems(DecisionDto, comment(A.commentMaxLength + 1))).toEqual([{ field: 'comment', rule: 'maxLength', limit: A.commentMaxLength }]);

    const U = USER_LIMITS;
    expect(checkLogin(chars(U.usernameMaxLength), chars(U.passwordMaxLength))).toEqual([]);
    expect(await serverProblems(LoginDto, { username: chars(U.usernameMaxLength), password: chars(U.passwordMaxLength) })).toEqual([]);
    const over = [
      { field: 'username', rule: 'maxLength', limit: U.usernameMaxLength },
      { field: 'password', rule: 'maxLength', limit: U.passwordMaxLength },
    ];
    expect(checkLogin(chars(U.usernameMaxLength + 1), chars(U.passwordMaxLength + 1))).toEqual(over);
    expect(await serverProblems(LoginDto, { username: chars(U.usernameMaxLength + 1), password: chars(U.passwordMaxLength + 1) })).toEqual(over);
  });

  it('new accounts: username, password and display name limits', async () => {
    const U = USER_LIMITS;
    const user = (patch: Record<string, unknown>) => ({ username: 'frank', password: chars(U.passwordMinLength), displayName: 'Frank', roles: ['staff'], ...patch });
    expect(await serverProblems(CreateUserDto, user({ displayName: chars(U.displayNameMaxLength), password: chars(U.passwordMaxLength) }))).toEqual([]);
    expect(await serverProblems(CreateUserDto, user({ displayName: chars(U.displayNameMaxLength + 1) }))).toEqual([{ field: 'displayName', rule: 'maxLength', limit: U.displayNameMaxLength }]);
    expect(await serverProblems(CreateUserDto, user({ password: chars(U.passwordMinLength - 1) }))).toEqual([{ field: 'password', rule: 'minLength', limit: U.passwordMinLength }]);
    expect(await serverProblems(CreateUserDto, user({ username: chars(U.usernameMaxLength + 1) }))).toEqual([{ field: 'username', rule: 'matches' }]);
  });
});

describe('400 bodies from the ValidationPipe', () => {
  const body = async (metatype: ArgumentMetadata['metatype'], value: unknown) => {
    try {
      await pipe.transform(value, { type: 'body', metatype });
    } catch (err) {
      return (err as BadRequestException).getResponse() as ErrorBody;
    }
    throw new Error('expected a 400');
  };

  it('a missing field is one `required` problem; an unknown one is `whitelist`; blank is `notBlank`', async () => {
    const res = await body(CreateOrderDto, { items: [{ sku: 'a', name: 'b', qty: 1, unitPrice: 1 }], extra: 1 });
    expect(res.errors?.map((p) => [p.field, p.rule]).sort()).toEqual([
      ['customer', 'required'],
      ['extra', 'whitelist'],
    ]);
    expect(res.message).toContain('extra: unknown field');
    expect(res.errors?.find((p) => p.field === 'customer')?.message).toMatch(/^customer: .*must be longer than or equal to 1 characters/);
    const blank = await body(CreateOrderDto, { customer: '   ', items: [{ sku: 'a', name: 'b', qty: 1, unitPrice: 1 }] });
    expect(blank).toMatchObject({ code: 'validation_failed', field: 'customer', rule: 'notBlank', message: 'customer: must not be blank' });
  });

  it('the first problem is repeated as field, rule and limit; the message keeps every sentence', async () => {
    const res = await body(CreateOrderDto, { customer: 'c', items: [{ sku: 'a', name: 'b', qty: 2_000_000, unitPrice: 1 }], note: chars(ORDER_LIMITS.noteMaxLength + 1) });
    expect(res).toMatchObject({ field: 'items.0.qty', rule: 'max', limit: ORDER_LIMITS.qtyMax });
    expect(res.errors).toHaveLength(2);
    expect(res.message).toBe(`items.0.qty: must not be greater than ${ORDER_LIMITS.qtyMax}; note: must be shorter than or equal to ${ORDER_LIMITS.noteMaxLength} characters`);
  });
});

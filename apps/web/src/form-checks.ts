import { APPROVAL_LIMITS, MONEY_PATTERN, ORDER_LIMITS, USER_LIMITS, type FieldProblem } from '@herald/contracts';

/**
 * What the browser checks before sending, with the server's own limits (@herald/contracts) and in the
 * server's own terms: the same field paths (`items.0.qty`), rules and limits as a 400's `errors`, so
 * one function (errors.ts) words both. Values are checked as they will be sent (trimmed).
 * Pure: no DOM, no React, so a test can hold it against the server's DTOs.
 */
export type Problem = Omit<FieldProblem, 'message'>;

function text(field: string, value: string, maxLength: number, required: boolean): Problem | null {
  if (required && value.trim() === '') return { field, rule: 'notBlank' };
  if (value.trim().length > maxLength) return { field, rule: 'maxLength', limit: maxLength };
  return null;
}

function amount(field: string, value: string): Problem | null {
  return MONEY_PATTERN.test(value.trim()) ? null : { field, rule: 'isMoney' };
}

function quantity(field: string, value: string): Problem | null {
  const v = value.trim();
  if (!/^\d{1,16}$/.test(v)) return { field, rule: 'isInt' };
  const n = Number(v);
  if (n < ORDER_LIMITS.qtyMin) return { field, rule: 'min', limit: ORDER_LIMITS.qtyMin };
  if (n > ORDER_LIMITS.qtyMax) return { field, rule: 'max', limit: ORDER_LIMITS.qtyMax };
  return null;
}

const found = (list: Array<Problem | null>): Problem[] => list.filter((p): p is Problem => p !== null);

export interface OrderDraft {
  customer: string;
  note: string;
  items: Array<{ sku: string; name: string; qty: string; unitPrice: string }>;
}

export function checkOrder(draft: OrderDraft): Problem[] {
  const L = ORDER_LIMITS;
  const count = draft.items.length;
  return found([
    text('customer', draft.customer, L.customerMaxLength, true),
    count < L.itemsMin ? { field: 'items', rule: 'arrayMinSize', limit: L.itemsMin } : null,
    count > L.itemsMax ? { field: 'items', rule: 'arrayMaxSize', limit: L.itemsMax } : null,
    ...draft.items.flatMap((item, i) => [
      text(`items.${i}.sku`, item.sku, L.skuMaxLength, true),
      text(`items.${i}.name`, item.name, L.itemNameMaxLength, true),
      quantity(`items.${i}.qty`, item.qty),
      amount(`items.${i}.unitPrice`, item.unitPrice),
    ]),
    text('note', draft.note, L.noteMaxLength, false),
  ]);
}

export interface ApprovalDraft {
  kind: string;
  title: string;
  amount: string;
  details: string;
  approverIds: string[];
}

export function checkApproval(draft: ApprovalDraft): Problem[] {
  const L = APPROVAL_LIMITS;
  const n = draft.approverIds.length;
  return found([
    text('title', draft.title, L.titleMaxLength, true),
    draft.kind !== 'leave' ? amount('amount', draft.amount) : null,
    text('details', draft.details, L.detailsMaxLength, false),
    n < L.approversMin ? { field: 'approverIds', rule: 'arrayMinSize', limit: L.approversMin } : null,
    n > L.approversMax ? { field: 'approverIds', rule: 'arrayMaxSize', limit: L.approversMax } : null,
  ]);
}

export function checkDecisionComment(comment: string): Problem[] {
  return found([text('comment', comment, APPROVAL_LIMITS.commentMaxLength, false)]);
}

/** Sign-in: only the lengths (what is right is for the server to say). The password is sent untrimmed. */
export function checkLogin(username: string, password: string): Problem[] {
  return found([
    text('username', username, USER_LIMITS.usernameMaxLength, true),
    password.length > USER_LIMITS.passwordMaxLength ? { field: 'password', rule: 'maxLength', limit: USER_LIMITS.passwordMaxLength } : null,
  ]);
}

/** The problems of one field (for aria-invalid and the message beside it). */
export function problemOf(problems: Problem[], field: string): Problem | undefined {
  return problems.find((p) => p.field === field);
}

import type { FieldProblem } from '@herald/contracts';
import { ApiError, NetworkError } from './api';
import type { Problem } from './form-checks';
import { hasKey, localeStore, translate, type Locale, type MessageKey } from './i18n';

/**
 * Server errors and the forms' own checks, in the reader's language: a 400's `{field, rule, limit}`
 * becomes "客户名称最多 200 个字符" / "Customer: at most 200 characters"; other errors are worded by
 * their `code`. In English a non-validation error keeps the server's sentence, which says more (which
 * order, which state); in 简体中文 the code's sentence replaces it.
 */

/** `items.2.qty` → "Item 3, quantity"; an unknown field keeps its path. */
export function fieldLabel(locale: Locale, path: string): string {
  const parts = path.split('.');
  const last = parts[parts.length - 1];
  const key = `err.field.${last}`;
  const name = hasKey(key) ? translate(locale, key) : /^\d+$/.test(last) ? '' : last;
  const index = parts.length > 1 ? parts.slice(0, -1).reverse().find((p) => /^\d+$/.test(p)) : undefined;
  const at = /^\d+$/.test(last) ? last : index;
  if (at === undefined) return name || path;
  return translate(locale, 'err.field.item', { n: Number(at) + 1, field: name }).trim();
}

/** One problem as a sentence: the rule's wording with the field's name and the limit. */
export function describeProblem(locale: Locale, problem: Problem): string {
  const field = fieldLabel(locale, problem.field);
  const key = `err.rule.${problem.rule ?? 'other'}`;
  const limit = problem.limit === undefined ? '' : problem.limit.toLocaleString(locale);
  return translate(locale, hasKey(key) ? key : 'err.rule.other', { field, limit });
}

/** Several problems, one sentence each. */
export function describeProblems(locale: Locale, problems: Problem[]): string {
  return problems.map((p) => describeProblem(locale, p)).join(' ');
}

const CODE_ALIASES: Record<string, string> = {
  missing_token: 'unauthorized',
  invalid_token: 'unauthorized',
  token_expired: 'unauthorized',
  rate_limited: 'too_many_requests',
  too_many_readers: 'too_many_requests',
  database_busy: 'service_unavailable',
  database_unavailable: 'service_unavailable',
  not_ready: 'service_unavailable',
};

/** The sentence for any error a request can end in, in `locale` (the current one by default). */
export function describeError(err: unknown, fallback?: string, locale: Locale = localeStore.get()): string {
  if (err instanceof NetworkError) return translate(locale, 'error.network');
  if (err instanceof ApiError) {
    const body = err.body;
    const problems: FieldProblem[] = body?.errors?.length ? body.errors : body?.field ? [{ field: body.field, rule: body.rule, limit: body.limit, message: body.message }] : [];
    if (problems.length) return describeProblems(locale, problems);
    const code = body?.code ? (CODE_ALIASES[body.code] ?? body.code) : undefined;
    const key = code ? (`err.code.${code}` as MessageKey) : undefined;
    if (locale === 'en' && body?.message) return body.message;
    if (key && hasKey(key)) return translate(locale, key);
    return translate(locale, 'err.code.other', { status: err.status });
  }
  if (err instanceof Error && err.message) return err.message;
  return fallback ?? translate(locale, 'error.network');
}

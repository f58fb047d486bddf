import { BadRequestException, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage, registerDecorator, ValidationOptions } from 'class-validator';
import { isValidId, type FieldProblem, type ValidationRule } from '@herald/contracts';
import { ID_RULE } from './ids';
import { cacheValidationMetadata } from './validation-metadata-cache';

/** Rules whose first constraint is the number a person needs to know (at most 200 characters, at least 1 item). */
const RULES_WITH_LIMIT = new Set(['maxLength', 'minLength', 'max', 'min', 'arrayMinSize', 'arrayMaxSize']);
/** class-validator's names for two rules that are not constraints of a decorator. */
const RULE_NAMES: Record<string, ValidationRule> = { whitelistValidation: 'whitelist', unknownValue: 'unknownValue' };

/** The number in a rule (`@MaxLength(200)` → 200), read from the DTO's own decorator metadata. */
function limitOf(error: ValidationError, rule: string): number | undefined {
  if (!RULES_WITH_LIMIT.has(rule) || !error.target) return undefined;
  const metadata = getMetadataStorage()
    .getTargetValidationMetadatas(error.target.constructor, '', true, false)
    .find((m) => m.propertyName === error.property && m.name === rule);
  const limit: unknown = metadata?.constraints?.[0];
  return typeof limit === 'number' ? limit : undefined;
}

/** "field: what is wrong", with the property name class-validator puts first replaced by the whole path. */
function sentence(field: string, property: string, rule: string, msg: string): string {
  if (rule === 'whitelistValidation') return `${field}: unknown field`;
  return msg.startsWith(`${property} `) ? `${field}: ${msg.slice(property.length + 1)}` : `${field}: ${msg}`;
}

/** Every problem, depth first, each with its path (`items.0.qty`), rule and limit. */
export function fieldProblems(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const entries = Object.entries(e.constraints ?? {});
    const own: FieldProblem[] =
      // A field that was not sent breaks all its rules at once: one problem, `required`, with every sentence.
      e.value === undefined && entries.length && !('whitelistValidation' in (e.constraints ?? {}))
        ? [{ field, rule: 'required', message: entries.map(([rule, msg]) => sentence(field, e.property, rule, msg)).join('; ') }]
        : entries.map(([rule, msg]) => {
            const limit = limitOf(e, rule);
            return { field, rule: RULE_NAMES[rule] ?? rule, ...(limit !== undefined ? { limit } : {}), message: sentence(field, e.property, rule, msg) };
          });
    return [...own, ...fieldProblems(e.children ?? [], field)];
  });
}

/** A 400 about one field, in the same shape as the ValidationPipe's: `{code: 'validation_failed', field, rule, limit}`. */
export function fieldError(field: string, rule: ValidationRule, message: string, limit?: number): BadRequestException {
  return validationFailed([{ field, rule, ...(limit !== undefined ? { limit } : {}), message }]);
}

function validationFailed(problems: FieldProblem[]): BadRequestException {
  const message = problems.map((p) => p.message).join('; ') || 'Invalid request body.';
  const first = problems[0];
  const where = first ? { field: first.field, ...(first.rule ? { rule: first.rule } : {}), ...(first.limit !== undefined ? { limit: first.limit } : {}) } : {};
  return new BadRequestException({ message, code: 'validation_failed', ...where, errors: problems });
}

/**
 * Rejects unknown fields and wrong types with a 400 that names each field and what is wrong:
 * `message` for people, and `{code: 'validation_failed', field, rule, limit, errors}` for programs.
 */
export function createValidationPipe(): ValidationPipe {
  cacheValidationMetadata();
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    // target and value stay on the errors for fieldProblems (limits, missing fields); the answer never includes them.
    validationError: { target: true, value: true },
    exceptionFactory: (errors) => validationFailed(fieldProblems(errors)),
  });
}

/** A string with at least one character that is not white space (rule `notBlank`). */
export function IsNotBlank(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'notBlank',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must not be blank`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && /\S/.test(value) },
    });
}

/** Route ids follow the one id rule (isValidId); anything else is a 400 before any query runs. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isValidId(value)) {
      throw fieldError('id', 'isHeraldId', `id: must be ${ID_RULE}, got ${JSON.stringify(String(value).slice(0, 40))}.`);
    }
    return value;
  }
}

import { BadRequestException, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { isValidId } from '@herald/contracts';
import { ID_RULE } from './ids';

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.entries(e.constraints ?? {}).map(([rule, msg]) =>
      rule === 'whitelistValidation'
        ? `${field}: unknown field`
        : msg.startsWith(`${e.property} `)
          ? `${field}: ${msg.slice(e.property.length + 1)}`
          : `${field}: ${msg}`,
    );
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Rejects unknown fields and wrong types with a 400 that names each field and what is wrong. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const problems = flatten(errors);
      return new BadRequestException({ message: problems.join('; ') || 'Invalid request body.' });
    },
  });
}

/** Route ids follow the one id rule (isValidId); anything else is a 400 before any query runs. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isValidId(value)) {
      throw new BadRequestException(`id: must be ${ID_RULE}, got ${JSON.stringify(String(value).slice(0, 40))}.`);
    }
    return value;
  }
}

import { registerDecorator, ValidationOptions } from 'class-validator';
import { isValidId, isValidStreamPosition, MAX_ID } from '@herald/contracts';

/** What the one id rule says, for messages: "<field> must be …". */
export const ID_RULE = `a positive integer without leading zeros, at most ${MAX_ID}`;

/**
 * A Herald id (user, order, notification…) as a decimal string: positive, no leading zeros,
 * within bigint. With `{ each: true }` every element of an array. Anything else is a 400 before a
 * query could fail on it.
 */
export function IsHeraldId(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isHeraldId',
      target: target.constructor,
      propertyName,
      options: { message: `${options?.each ? `each of ${propertyName}` : propertyName} must be an id (${ID_RULE})`, ...options },
      validator: { validate: (value: unknown) => isValidId(value) },
    });
}

/** A stream position: "0" (before the first notification) or a notification id. */
export function IsStreamPosition(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isStreamPosition',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be 0 or a notification id (${ID_RULE})`, ...options },
      validator: { validate: (value: unknown) => isValidStreamPosition(value) },
    });
}

import { z } from 'zod';
import { type FieldErrors, invalidData } from './errors';

const label = (field: string) => field.replaceAll('_', ' ');

/** Laravel-style messages, which the Laravel client shows as they are. */
export const messages = {
  required: (field: string) => `The ${label(field)} field is required.`,
  string: (field: string) => `The ${label(field)} must be a string.`,
  minLength: (field: string, min: number) => `The ${label(field)} must be at least ${min} characters.`,
  maxLength: (field: string, max: number) => `The ${label(field)} may not be greater than ${max} characters.`,
  taken: (field: string) => `The ${label(field)} has already been taken.`,
};

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Text that can be stored as given: PostgreSQL refuses NUL in text and jsonb, and an unpaired
 * UTF-16 surrogate has no UTF-8 form (it would be stored as U+FFFD, silently changed).
 */
export const isStorableText = (text: string) => !text.includes('\u0000') && !LONE_SURROGATE.test(text);

export const unstorableTextMessage = (field: string) =>
  `The ${label(field)} may not contain NUL characters or unpaired surrogates.`;

/**
 * A string field whose absence or wrong type is reported in the same words as every other rule,
 * and which refuses text that cannot be stored.
 */
export const stringField = (field: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? messages.required(field) : messages.string(field)) })
    .refine(isStorableText, unstorableTextMessage(field));

/** Every issue, grouped by the top-level field it concerns (a body-level problem is keyed `body`). */
function toFieldErrors(issues: z.core.$ZodIssue[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : 'body';
    const list = (errors[field] ??= []);
    if (!list.includes(issue.message)) list.push(issue.message);
  }
  return errors;
}

function parsed<T>(result: z.ZodSafeParseResult<T>): T {
  if (!result.success) throw invalidData(toFieldErrors(result.error.issues));
  return result.data;
}

/** Parses `input` with `schema`, or throws a 422 that lists every invalid field at once. */
export async function validate<S extends z.ZodType>(schema: S, input: unknown): Promise<z.output<S>> {
  return parsed(await schema.safeParseAsync(input ?? {}));
}

/**
 * `validate` for a query string, whose schemas check nothing asynchronously: parsed at once,
 * without the promises of an asynchronous parse on every list request.
 */
export function validateQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  return parsed(schema.safeParse(query ?? {}));
}

/** The largest id: ids are PostgreSQL `integer`s. */
export const MAX_ID = 2_147_483_647;

export function isValidId(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= MAX_ID;
}

/**
 * A path id: a positive integer that fits the integer columns, written plainly. The mounter
 * answers any other value 404, as an unknown id (the contract): no id looks like that.
 */
const idParam = z
  .string()
  .regex(/^[1-9]\d{0,9}$/)
  .transform(Number)
  .refine(isValidId)
  .describe('A positive integer. Any other value answers 404, exactly as an unknown id does.');

/** The path parameters of a route with one id. */
export const idParams = z.object({ id: idParam });

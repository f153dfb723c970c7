import { z } from 'zod';
import { INVALID_CREDENTIALS_MESSAGE, INVALID_DATA_MESSAGE, INVALID_TOKEN_MESSAGE } from '../http/errors';

/**
 * The shapes the API document names that no feature module owns: the error envelope written by
 * `errorHandler` (src/http/errors.ts) and the operations routes of src/app.ts. The test suite
 * validates every response it receives against the document, so these cannot drift from what
 * the handlers send.
 */

/** Every error but a 422: `{ success: false, message }`. */
export const errorSchema = z.object({
  success: z.literal(false),
  message: z.string().describe('Human-readable; never a stack trace or internal detail.'),
});

/** 401 on a route that needs a token. */
export const invalidTokenErrorSchema = errorSchema.extend({ message: z.literal(INVALID_TOKEN_MESSAGE) });

/** 401 at login: the same body for an unknown account and a wrong password. */
export const invalidCredentialsErrorSchema = errorSchema.extend({ message: z.literal(INVALID_CREDENTIALS_MESSAGE) });

/** 500: a bug; the message is generic and the detail stays in the server's log. */
export const serverErrorSchema = errorSchema.extend({ message: z.literal('Server Error.') });

/** 422: every invalid field at once, keyed by field name (a problem with the body as a whole is keyed `body`). */
export const validationErrorSchema = errorSchema.extend({
  message: z.literal(INVALID_DATA_MESSAGE),
  errors: z
    .record(z.string(), z.array(z.string()).min(1))
    .describe('Field name → its human-readable messages.'),
});

/** GET /health. */
export const healthSchema = z.object({ status: z.literal('ok') });

/** GET /ready. */
export const readySchema = z.object({ status: z.literal('ok'), database: z.enum(['postgres', 'embedded']) });

/** GET /api. */
export const apiStatusSchema = z.object({ api: z.literal('running') });

/** GET /api/openapi.json, as far as a client needs to know it. */
export const openApiDocumentSchema = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

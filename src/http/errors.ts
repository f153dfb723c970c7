import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { isDatabaseUnavailable, isOwnerGone, isUnstorableText } from '../db';
import type { Logger } from '../logger';

export type FieldErrors = Record<string, string[]>;

interface HttpErrorOptions {
  errors?: FieldErrors;
  headers?: Record<string, string>;
}

/** The one error type of the app: a status, a message for the client, and optionally field errors and headers. */
export class HttpError extends Error {
  readonly errors?: FieldErrors;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

const INVALID_TOKEN_MESSAGE = 'Invalid Login or Token Expired.';
export const INVALID_CREDENTIALS_MESSAGE = 'Invalid Credentials';
const INVALID_DATA_MESSAGE = 'The given data was invalid.';

const BEARER_CHALLENGE = { 'WWW-Authenticate': 'Bearer' };

// The envelope `errorHandler` writes, as the OpenAPI document names it. The test suite holds every
// response it receives to the document, so these cannot drift from what is sent.

/** Every error but a 422: `{ success: false, message }`. */
export const errorSchema = z
  .object({
    success: z.literal(false),
    message: z.string().describe('Human-readable; never a stack trace or internal detail.'),
  })
  .meta({ id: 'Error' });

/** 401 on a route that needs a token. */
export const invalidTokenErrorSchema = errorSchema
  .extend({ message: z.literal(INVALID_TOKEN_MESSAGE) })
  .meta({ id: 'InvalidTokenError' });

/** 500: a bug; the message is generic and the detail stays in the server's log. */
export const serverErrorSchema = errorSchema.extend({ message: z.literal('Server Error.') }).meta({ id: 'ServerError' });

/** 422: every invalid field at once, keyed by field name (a problem with the body as a whole is keyed `body`). */
export const validationErrorSchema = errorSchema
  .extend({
    message: z.literal(INVALID_DATA_MESSAGE),
    errors: z.record(z.string(), z.array(z.string()).min(1)).describe('Field name → its human-readable messages.'),
  })
  .meta({ id: 'ValidationError' });

export const unauthorized = (message = INVALID_TOKEN_MESSAGE) =>
  new HttpError(401, message, { headers: BEARER_CHALLENGE });

export const forbidden = (message = 'You are not allowed to do this.') => new HttpError(403, message);

export const notFound = (message = 'Not Found.') => new HttpError(404, message);

/** `value`, or a 404 when there is none (unknown, someone else's private resource, gone meanwhile). */
export function found<T>(value: T | undefined): T {
  if (value === undefined) throw notFound();
  return value;
}

export const invalidData = (errors: FieldErrors) => new HttpError(422, INVALID_DATA_MESSAGE, { errors });

/** Seconds a client is asked to wait before retrying while a store the server needs is unreachable. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** 503: a store the server needs (the database, the failed-login counters) cannot be reached now. */
export const unavailable = (message: string) =>
  new HttpError(503, message, { headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) } });

export const databaseUnavailable = () => unavailable('The database is unavailable. Please try again shortly.');

/** 429 until `resetTime`, when the client's window of requests starts again. */
export function tooManyRequests(message: string, resetTime: Date): HttpError {
  const seconds = Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000));
  return new HttpError(429, message, { headers: { 'Retry-After': String(seconds) } });
}

/** body-parser reports its failures as errors with a `type`; these are the client's mistakes. */
const BODY_PARSER_ERRORS: Record<string, { status: number; message: string }> = {
  'entity.parse.failed': { status: 400, message: 'The request body is not valid JSON.' },
  'entity.too.large': { status: 413, message: 'The request body is too large.' },
  'encoding.unsupported': { status: 415, message: 'The request body has an unsupported content encoding.' },
  'charset.unsupported': { status: 415, message: 'The request body has an unsupported charset.' },
  'request.aborted': { status: 400, message: 'The request was aborted.' },
  'request.size.invalid': { status: 400, message: 'The request body does not match its Content-Length.' },
};

/** The status an http-errors error (body-parser's) gives, when it is the client's fault. */
function clientErrorStatus(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (isDatabaseUnavailable(err)) return databaseUnavailable();
  // The router could not percent-decode a path segment (`/api/images/%zz`): no id looks like that.
  if (err instanceof URIError) return notFound();
  // Deleted between the token check and this write: the token no longer names anyone.
  if (isOwnerGone(err)) return unauthorized();
  // Validation refuses such text; this is the database's word for what still got through.
  if (isUnstorableText(err)) return invalidData({ body: ['The request contains text that cannot be stored (a NUL character, say).'] });
  const type = (err as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && type in BODY_PARSER_ERRORS) {
    const known = BODY_PARSER_ERRORS[type]!;
    return new HttpError(known.status, known.message);
  }
  // A body that claims a Content-Encoding it does not have (zlib's Z_DATA_ERROR, Z_BUF_ERROR …).
  const status = clientErrorStatus(err);
  if (status !== undefined) return new HttpError(status, 'The request body could not be read: it does not match its Content-Encoding.');
  return undefined;
}

export const unknownRoute: RequestHandler = () => {
  throw notFound();
};

/** Turns anything thrown into the contract's JSON envelope; only bugs (500) are logged with their stack. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const httpError = toHttpError(err);
    if (!httpError) {
      logger.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
    } else if (httpError.status === 503) {
      logger.warn({ err, method: req.method, url: req.originalUrl }, 'database unavailable');
    }
    const error = httpError ?? new HttpError(500, 'Server Error.');
    if (res.headersSent) {
      // Too late for an envelope: end the response so the client does not hang.
      res.end();
      return;
    }
    res
      .status(error.status)
      .set(error.headers)
      .json({ success: false, message: error.message, ...(error.errors ? { errors: error.errors } : {}) });
  };
}

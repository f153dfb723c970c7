import type { ErrorRequestHandler, RequestHandler } from 'express';
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

export const INVALID_TOKEN_MESSAGE = 'Invalid Login or Token Expired.';
export const INVALID_CREDENTIALS_MESSAGE = 'Invalid Credentials';
export const INVALID_DATA_MESSAGE = 'The given data was invalid.';

const BEARER_CHALLENGE = { 'WWW-Authenticate': 'Bearer' };

export const unauthorized = (message = INVALID_TOKEN_MESSAGE) =>
  new HttpError(401, message, { headers: BEARER_CHALLENGE });

export const forbidden = (message = 'You are not allowed to do this.') => new HttpError(403, message);

export const notFound = (message = 'Not Found.') => new HttpError(404, message);

export const invalidData = (errors: FieldErrors) => new HttpError(422, INVALID_DATA_MESSAGE, { errors });

/** Seconds a client is asked to wait before retrying while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

export const databaseUnavailable = () =>
  new HttpError(503, 'The database is unavailable. Please try again shortly.', {
    headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
  });

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

/** Socket errors and PostgreSQL codes that mean "the database cannot be reached right now". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08006', // connection_failure
]);
const UNREACHABLE_MESSAGES = /Connection terminated|Query read timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Timeout acquiring a connection/i;

/** Whether `error` says the database is unreachable (an outage, not a bug): the client gets a 503. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  return (
    (typeof code === 'string' && UNREACHABLE_CODES.has(code)) ||
    error.name === 'KnexTimeoutError' ||
    UNREACHABLE_MESSAGES.test(error.message)
  );
}

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';
/** character_not_in_repertoire (a NUL in text), untranslatable_character (`\u0000` in jsonb). */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

const errorFields = (error: unknown) => (error ?? {}) as { code?: unknown; constraint?: unknown };

/** A PostgreSQL unique-index violation, with the name of the index that refused the row. */
export function uniqueViolation(error: unknown): string | undefined {
  const { code, constraint } = errorFields(error);
  return code === UNIQUE_VIOLATION && typeof constraint === 'string' ? constraint : undefined;
}

/**
 * A write of a row owned by a user (`<table>_user_id_foreign`) after that user was deleted: the
 * token was checked, then the account went, then the write ran.
 */
export function isOwnerGone(error: unknown): boolean {
  const { code, constraint } = errorFields(error);
  return code === FOREIGN_KEY_VIOLATION && typeof constraint === 'string' && constraint.endsWith('_user_id_foreign');
}

/** Text PostgreSQL refuses to store. */
export function isUnstorableText(error: unknown): boolean {
  const { code } = errorFields(error);
  return typeof code === 'string' && UNSTORABLE_TEXT.has(code);
}

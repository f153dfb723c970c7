import knexFactory, { type Knex } from 'knex';
import { knexConfig, migrationsConfig, SESSION_SETTINGS } from '../knexfile';
import type { Config } from './config';
import { startEmbeddedPostgres } from './embedded-db';
import type { Logger } from './logger';

export type DbKind = 'postgres' | 'embedded';

export interface Database {
  knex: Knex;
  kind: DbKind;
  close(): Promise<void>;
}

const POSTGRES_POOL: Knex.PoolConfig = { min: 0, max: 10 };
/**
 * PGlite is a single session: one connection, which knex only accepts with an explicit min of 0.
 * Every new connection (knex closes an idle one after 30 s) is that same session, still holding
 * the statements an earlier connection prepared (`queryRows`), which the new one knows nothing of:
 * they are dropped first. PGlite also ignores the settings sent at connection (the `options` of
 * knexfile.ts), so they are set here.
 */
const EMBEDDED_SESSION_SETUP = [
  'DEALLOCATE ALL',
  ...Object.entries(SESSION_SETTINGS).map(([name, value]) => `SET ${name} = '${value}'`),
].join('; ');
const EMBEDDED_POOL: Knex.PoolConfig = {
  min: 0,
  max: 1,
  afterCreate(connection: { query(sql: string, done: (error?: Error) => void): void }, done: (error: Error | undefined, connection: unknown) => void) {
    connection.query(EMBEDDED_SESSION_SETUP, (error) => done(error, connection));
  },
};

/** knex's own warnings (a lost connection, say) go to our log instead of the console. */
const knexLog = (logger?: Logger): Knex.Config['log'] => ({
  warn: (message: unknown) => logger?.warn({ knex: message }, 'knex warning'),
  error: (message: unknown) => logger?.error({ knex: message }, 'knex error'),
  deprecate: (method: string, alternative: string) => logger?.warn({ method, alternative }, 'knex deprecation'),
  debug: () => undefined,
});

/** One code path for both databases: knex's `pg` client talks to a server or to the embedded PGlite. */
export async function openDb(config: Config['database'], logger?: Logger): Promise<Database> {
  if (config.url) {
    const knex = knexFactory({
      ...knexConfig({ connectionString: config.url, ssl: config.ssl ? { rejectUnauthorized: false } : false }, POSTGRES_POOL),
      log: knexLog(logger),
    });
    return { knex, kind: 'postgres', close: () => knex.destroy() };
  }

  const embedded = await startEmbeddedPostgres(config.embeddedDir);
  const knex = knexFactory({ ...knexConfig(embedded.connection, EMBEDDED_POOL), log: knexLog(logger) });
  return {
    knex,
    kind: 'embedded',
    close: async () => {
      await knex.destroy();
      await embedded.close();
    },
  };
}

interface PgConnection {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** Statement names by SQL text: a handful of shapes, each prepared once per connection. */
const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `fixed_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * The rows of one fixed statement (`$1`, `$2` … placeholders) for the busiest routes: run on a
 * connection of knex's pool, but straight through the `pg` driver, by default as a named
 * statement, which PostgreSQL parses once per connection and, after a few runs, may stop planning
 * with the values given (a generic plan). knex's runner and its query events, and the parsing and
 * planning on every request, were a fifth of a list request's CPU (`npm run bench`). Give
 * `prepared: false` to a query whose best plan depends on its values (how common a category is):
 * it is parsed and planned each time. Anyone listening to knex's `query` event (debugging, tests)
 * still hears these queries.
 */
export async function queryRows<T>(knex: Knex, sql: string, values: unknown[], { prepared = true } = {}): Promise<T[]> {
  const name = prepared ? statementName(sql) : undefined;
  if (knex.listenerCount('query') > 0) knex.client.emit('query', { sql, bindings: values, method: 'raw', prepared });
  const connection = (await knex.client.acquireConnection()) as PgConnection;
  try {
    const { rows } = await connection.query({ name, text: sql, values });
    return rows as T[];
  } finally {
    knex.client.releaseConnection(connection);
  }
}

export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(migrationsConfig)) as [number, string[]];
  return applied;
}

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

import knexFactory, { type Knex } from 'knex';
import { knexConfig, migrationsConfig, QUERY_TIMEOUT_MS, serverConnection, SESSION_SETTINGS } from '../../knexfile';
import type { Config } from '../config';
import { startEmbeddedPostgres } from './embedded';
import type { Logger } from '../logger';
import { QueryDeadlines, type WatchedClient } from './query-deadlines';

export type DbKind = 'postgres' | 'embedded';

export interface Database {
  knex: Knex;
  kind: DbKind;
  close(): Promise<void>;
}

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

type PgConnection = WatchedClient & { query(sql: string, done: (error?: Error) => void): void };

/** A pool whose every connection is under `deadlines`, after running `setup` when given. */
function poolConfig(max: number, deadlines: QueryDeadlines, setup?: string): Knex.PoolConfig {
  return {
    min: 0,
    max,
    afterCreate(connection: PgConnection, done: (error: Error | undefined, connection: unknown) => void) {
      deadlines.watch(connection);
      if (setup) connection.query(setup, (error?: Error) => done(error, connection));
      else done(undefined, connection);
    },
  };
}

/** knex's own warnings (a lost connection, say) go to our log instead of the console. */
const knexLog = (logger?: Logger): Knex.Config['log'] => ({
  warn: (message: unknown) => logger?.warn({ knex: message }, 'knex warning'),
  error: (message: unknown) => logger?.error({ knex: message }, 'knex error'),
  deprecate: (method: string, alternative: string) => logger?.warn({ method, alternative }, 'knex deprecation'),
  debug: () => undefined,
});

/**
 * One code path for both databases: knex's `pg` client talks to a server or to the embedded PGlite.
 * `queryTimeoutMs`: how long a query may take (10 s; tests shorten it).
 */
export async function openDb(config: Config['database'], logger?: Logger, { queryTimeoutMs = QUERY_TIMEOUT_MS } = {}): Promise<Database> {
  const deadlines = new QueryDeadlines(queryTimeoutMs);
  if (config.url) {
    const knex = knexFactory({
      ...knexConfig(serverConnection({ url: config.url, ssl: config.ssl }), poolConfig(10, deadlines)),
      log: knexLog(logger),
    });
    return {
      knex,
      kind: 'postgres',
      close: async () => {
        await knex.destroy();
        deadlines.close();
      },
    };
  }

  const embedded = await startEmbeddedPostgres(config.embeddedDir);
  const knex = knexFactory({ ...knexConfig(embedded.connection, poolConfig(1, deadlines, EMBEDDED_SESSION_SETUP)), log: knexLog(logger) });
  return {
    knex,
    kind: 'embedded',
    close: async () => {
      await knex.destroy();
      deadlines.close();
      await embedded.close();
    },
  };
}

export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(migrationsConfig)) as [number, string[]];
  return applied;
}

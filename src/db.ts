import knexFactory, { type Knex } from 'knex';
import { knexConfig, migrationsConfig } from '../knexfile';
import type { Config } from './config';
import { startEmbeddedPostgres } from './embedded-db';

export type DbKind = 'postgres' | 'embedded';

export interface Database {
  knex: Knex;
  kind: DbKind;
  close(): Promise<void>;
}

const POSTGRES_POOL: Knex.PoolConfig = { min: 0, max: 10 };
// PGlite is a single session: one connection, which knex only accepts with an explicit min of 0.
const EMBEDDED_POOL: Knex.PoolConfig = { min: 0, max: 1 };

/** One code path for both databases: knex's `pg` client talks to a server or to the embedded PGlite. */
export async function openDb(config: Config['database']): Promise<Database> {
  if (config.url) {
    const knex = knexFactory(
      knexConfig(
        { connectionString: config.url, ssl: config.ssl ? { rejectUnauthorized: false } : false },
        POSTGRES_POOL,
      ),
    );
    return { knex, kind: 'postgres', close: () => knex.destroy() };
  }

  const embedded = await startEmbeddedPostgres(config.embeddedDir);
  const knex = knexFactory(knexConfig(embedded.connection, EMBEDDED_POOL));
  return {
    knex,
    kind: 'embedded',
    close: async () => {
      await knex.destroy();
      await embedded.close();
    },
  };
}

export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(migrationsConfig)) as [number, string[]];
  return applied;
}

const UNIQUE_VIOLATION = '23505';

/** A PostgreSQL unique-index violation, with the name of the index that refused the row. */
export function uniqueViolation(error: unknown): string | undefined {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === UNIQUE_VIOLATION && typeof constraint === 'string' ? constraint : undefined;
}

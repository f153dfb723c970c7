import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { loadConfig } from './src/config';
import { isoTimestampTypes } from './src/db/timestamps';

/**
 * Knex settings shared by the server, `npm run migrate`/`npm run seed` and the knex CLI.
 * Files run as TypeScript in development and as compiled JavaScript from dist/ in production;
 * migrations are recorded without their extension so both runs agree on what has been applied.
 */
const SOURCE_EXTENSION = path.extname(__filename);
export const MIGRATIONS_DIRECTORY = path.join(__dirname, 'migrations');
export const SEEDS_DIRECTORY = path.join(__dirname, 'seeds');

const isModuleFile = (file: string) => file.endsWith(SOURCE_EXTENSION) && !file.endsWith(`.d${SOURCE_EXTENSION}`);

class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    return fs.readdirSync(MIGRATIONS_DIRECTORY).filter(isModuleFile).sort();
  }

  getMigrationName(file: string): string {
    return path.basename(file, SOURCE_EXTENSION);
  }

  async getMigration(file: string): Promise<Knex.Migration> {
    // require keeps one loader for tsx, jest and compiled JavaScript alike.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(MIGRATIONS_DIRECTORY, file)) as Knex.Migration;
  }
}

export const migrationsConfig: Knex.MigratorConfig = { migrationSource: new DirectoryMigrationSource() };
export const seedsConfig: Knex.SeederConfig = {
  directory: SEEDS_DIRECTORY,
  loadExtensions: [SOURCE_EXTENSION],
  sortDirsSeparately: true,
};

/**
 * Bounds on every wait for the database, so that a database that is down or unreachable turns
 * into a 503 within seconds (see src/db.ts) instead of a request that hangs.
 */
const CONNECT_TIMEOUT_MS = 3_000;
const ACQUIRE_TIMEOUT_MS = 5_000;
/** Kept by src/db/query-deadlines.ts for the server's pools, not by pg's per-query timer. */
export const QUERY_TIMEOUT_MS = 10_000;

/**
 * Settings of every session. UTC: timestamps are stored as `timestamptz`, and UTC text is what
 * src/timestamps.ts turns into ISO strings the short way (another zone gives the same answers,
 * more slowly).
 */
export const SESSION_SETTINGS = { TimeZone: 'UTC' };

/**
 * A PostgreSQL server's connection. DATABASE_SSL: TLS without verifying the server's certificate,
 * which Heroku Postgres needs (its certificates are not signed by a public CA).
 */
export function serverConnection(database: { url: string; ssl: boolean }): Knex.PgConnectionConfig {
  return { connectionString: database.url, ssl: database.ssl ? { rejectUnauthorized: false } : false };
}

export function knexConfig(connection: Knex.PgConnectionConfig, pool: Knex.PoolConfig): Knex.Config {
  return {
    client: 'pg',
    connection: {
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      options: Object.entries(SESSION_SETTINGS)
        .map(([name, value]) => `-c ${name}=${value}`)
        .join(' '),
      types: isoTimestampTypes,
      ...connection,
    },
    pool,
    acquireConnectionTimeout: ACQUIRE_TIMEOUT_MS,
    migrations: migrationsConfig,
    seeds: seedsConfig,
  };
}

/** For the knex CLI against a PostgreSQL server; the embedded database is migrated by `npm run migrate`. */
export default function cliConfig(): Knex.Config {
  const { database } = loadConfig();
  if (!database.url) throw new Error('The knex CLI needs DATABASE_URL; use `npm run migrate` for the embedded database.');
  return knexConfig(serverConnection({ url: database.url, ssl: database.ssl }), { min: 0, max: 2 });
}

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import pg from 'pg';
import { migrateToLatest, openDb } from '../src/db';

/**
 * Where the benchmark's data lives. Never the user's own data:
 *  - PostgreSQL: a database of its own (`bench_<pid>_<random>`) created next to DATABASE_URL's, on
 *    the same server, and dropped at the end. A role that may not CREATE DATABASE is refused.
 *  - Embedded: a fresh directory under the system's temporary directory, deleted at the end.
 */
export interface Backend {
  kind: 'postgres' | 'embedded';
  /** For the report: which server and database, never a password. */
  description: string;
  version: string;
  /** The database part of the server's and the reference's environment. */
  env: Record<string, string>;
  /** The embedded database admits one process: the server must be stopped while others use it. */
  exclusive: boolean;
  /** Process ids of the PostgreSQL sessions on this database (none for the embedded one, which is in-process). */
  sessionPids(): Promise<number[]>;
  /** Runs `fn` with the project's own knex over this database (`openDb`). */
  withDb<T>(fn: (knex: Knex) => Promise<T>): Promise<T>;
  dispose(): Promise<void>;
}

const ssl = () => (process.env.DATABASE_SSL === 'true' ? { rejectUnauthorized: false } : false);

function redact(url: URL): string {
  const copy = new URL(url.toString());
  if (copy.password) copy.password = '***';
  return copy.toString();
}

/** Drops the database this run created (PostgreSQL 13+ in one statement; older servers after a terminate). */
async function dropDatabase(admin: pg.Client, name: string): Promise<void> {
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } catch (error) {
    if ((error as { code?: string }).code !== '42601') throw error;
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
    await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
  }
}

export async function postgresBackend(userUrl: string): Promise<Backend> {
  const given = new URL(userUrl);
  const admin = new pg.Client({ connectionString: userUrl, ssl: ssl() });
  await admin.connect();
  let name: string | undefined;
  try {
    const { rows } = await admin.query<{ allowed: boolean; version: string }>(
      'select (rolcreatedb or rolsuper) as allowed, current_setting(\'server_version\') as version from pg_roles where rolname = current_user',
    );
    if (!rows[0]?.allowed) {
      throw new Error(
        `The role in DATABASE_URL (${redact(given)}) may not CREATE DATABASE. The benchmark never writes into an ` +
          'existing database: point DATABASE_URL at a server where the role may create (and drop) a database of its own, ' +
          'e.g. `ALTER ROLE <role> CREATEDB`, or unset it to benchmark the embedded database.',
      );
    }
    name = `bench_${process.pid}_${randomBytes(3).toString('hex')}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const version = rows[0].version;
    const url = new URL(userUrl);
    url.pathname = `/${name}`;
    const db = await openDb({ url: url.toString(), ssl: process.env.DATABASE_SSL === 'true', embeddedDir: '' });
    await migrateToLatest(db.knex);
    const created = name;
    return {
      kind: 'postgres',
      description: `PostgreSQL ${version} at ${given.host}, throwaway database ${created} (dropped at the end)`,
      version: `PostgreSQL ${version}`,
      env: { DATABASE_URL: url.toString(), DATABASE_SSL: process.env.DATABASE_SSL === 'true' ? 'true' : 'false', EMBEDDED_DB_DIR: '' },
      exclusive: false,
      withDb: (fn) => fn(db.knex),
      async sessionPids() {
        const { rows } = await db.knex.raw<{ rows: Array<{ pid: number }> }>(
          "select pid from pg_stat_activity where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()",
        );
        return rows.map((row) => row.pid);
      },
      async dispose() {
        await db.close();
        try {
          await dropDatabase(admin, created);
        } finally {
          await admin.end();
        }
      },
    };
  } catch (error) {
    if (name) await dropDatabase(admin, name).catch(() => undefined);
    await admin.end();
    throw error;
  }
}

export async function embeddedBackend(): Promise<Backend> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'unified-api-bench-'));
  const embeddedDir = path.join(root, 'db');
  const withDb = async <T>(fn: (knex: Knex) => Promise<T>): Promise<T> => {
    const db = await openDb({ embeddedDir, ssl: false });
    try {
      return await fn(db.knex);
    } finally {
      await db.close();
    }
  };
  try {
    const version = await withDb(async (knex) => {
      await migrateToLatest(knex);
      const { rows } = await knex.raw<{ rows: Array<{ version: string }> }>("select current_setting('server_version') as version");
      return rows[0]!.version;
    });
    return {
      kind: 'embedded',
      description: `embedded PostgreSQL ${version} (PGlite) in ${embeddedDir} (deleted at the end)`,
      version: `PGlite (PostgreSQL ${version})`,
      env: { DATABASE_URL: '', EMBEDDED_DB_DIR: embeddedDir },
      exclusive: true,
      withDb,
      sessionPids: async () => [],
      async dispose() {
        fs.rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    fs.rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

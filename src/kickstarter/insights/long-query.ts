import type { Knex } from 'knex';

/**
 * Statements of an import that take longer than the 10 s every request is held to (knexfile.ts):
 * an upsert or an aggregate over a million rows. They run on `trx`'s own connection through the
 * `pg` driver with a query timeout of their own; the SQL is written with knex's `?` bindings.
 */
export const LONG_QUERY_TIMEOUT_MS = 30 * 60_000;

interface PgConnection {
  query(config: { text: string; values: readonly unknown[]; query_timeout: number }): Promise<{ rows: unknown[] }>;
}

export async function longQuery<T>(trx: Knex.Transaction, sql: string, bindings: readonly Knex.RawBinding[] = []): Promise<T[]> {
  const native = trx.raw(sql, bindings).toSQL().toNative();
  // Inside a transaction this is the transaction's connection, not a new one from the pool.
  const connection = (await trx.client.acquireConnection()) as PgConnection;
  const { rows } = await connection.query({ text: native.sql, values: native.bindings, query_timeout: LONG_QUERY_TIMEOUT_MS });
  return rows as T[];
}

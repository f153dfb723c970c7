import type { Knex } from 'knex';
import { queryRows, type Sql, sql } from './sql';

/** Which page of a list: `limit` items after id `after` (keyset), or page number `page` (offset). */
export interface PageQuery {
  limit: number;
  page?: number;
  after?: number;
}

/** One page of a list, every item the JSON text of one row, in ascending id. */
export interface Page {
  items: string[];
  /** The query of the next page, when there is one. */
  next?: { page: number } | { after: number };
}

/**
 * What a list reads: `select … from …` with every column as it is to appear in the JSON
 * (timestamps through `isoTimestampSql`), and the conditions that pick its rows. The rows have an
 * `id`, the order of every list.
 */
export interface ListQuery {
  select: Sql;
  where?: Sql[];
  /** False when the best plan depends on the values (see `queryRows`). */
  prepared?: boolean;
}

/**
 * The one way to read a page of a list. PostgreSQL writes each row's JSON (`row_to_json`:
 * compact, columns in order) and the server only joins the texts: decoding every column of every
 * row and encoding it again as JSON was most of a list request's work (`npm run bench`). Keyset
 * paging (`after`, also the default) reads through the index however deep the page; `page` uses
 * an offset. One extra row tells whether a next page exists.
 */
export async function readPage(knex: Knex, list: ListQuery, { limit, page, after }: PageQuery): Promise<Page> {
  const conditions = [...(list.where ?? [])];
  if (page === undefined && after !== undefined && after > 0) conditions.push(sql`id > ${after}`);
  const where = conditions.length > 0 ? sql` where ${sql.join(conditions, ' and ')}` : sql.raw('');
  const offset = page === undefined ? sql.raw('') : sql` offset ${(page - 1) * limit}`;
  const rows = await queryRows<{ id: number; json: string }>(
    knex,
    sql`select id, row_to_json(item)::text as json from (${list.select}${where} order by id asc limit ${limit + 1}${offset}) item order by id`,
    { prepared: list.prepared },
  );
  if (rows.length <= limit) return { items: rows.map((row) => row.json) };
  const items = rows.slice(0, limit);
  const next = page !== undefined ? { page: page + 1 } : { after: items[items.length - 1]!.id };
  return { items: items.map((row) => row.json), next };
}

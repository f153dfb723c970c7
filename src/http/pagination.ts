import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { queryRows } from '../db';
import { sendJsonArray } from './json-response';

const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 50;
const MAX_ID = 2_147_483_647;

/** A query value that must be one whole number in [min, max]; repeated or other values fail. */
const wholeNumber = (message: string, min: number, max: number) =>
  z
    .string({ error: message })
    .regex(/^\d{1,10}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message)
    .optional();

/** `?limit=` (1–100, default 50) and either `?page=` (1-based) or `?after=<id>` (keyset). */
export const pageQuerySchema = z
  .object({
    limit: wholeNumber(`The limit must be a whole number from 1 to ${MAX_LIMIT}.`, 1, MAX_LIMIT),
    page: wholeNumber('The page must be a whole number of at least 1.', 1, MAX_ID),
    after: wholeNumber('The after must be an id: a whole number of at least 0.', 0, MAX_ID),
  })
  .refine((query) => query.page === undefined || query.after === undefined, {
    path: ['page'],
    message: 'Use either page or after, not both.',
    when: () => true,
  });

export type PageQuery = z.output<typeof pageQuerySchema>;

export interface Page<T> {
  items: T[];
  /** The query of the next page, when there is one. */
  next?: { page: number } | { after: number };
}

/**
 * What a list reads: `select … from …` and its conditions, with `$1`, `$2` … placeholders for the
 * values in `bindings`, in order.
 */
export interface ListQuery {
  select: string;
  where?: string[];
  bindings?: unknown[];
  /** False when the best plan depends on the values (see `queryRows`). */
  prepared?: boolean;
}

/**
 * The SQL of one page of `list` in ascending id order. Keyset (`after`, also the default) reads
 * through the index however deep the page; `page` uses an offset. One extra row tells whether a
 * next page exists.
 */
function pageSql({ select, where = [], bindings = [] }: ListQuery, { limit = DEFAULT_LIMIT, page, after }: PageQuery) {
  const conditions = [...where];
  const values = [...bindings];
  const placeholder = (value: unknown) => `$${values.push(value)}`;
  if (page === undefined && after !== undefined && after > 0) conditions.push(`id > ${placeholder(after)}`);
  let sql = conditions.length > 0 ? `${select} where ${conditions.join(' and ')}` : select;
  sql += ` order by id asc limit ${placeholder(limit + 1)}`;
  if (page !== undefined) sql += ` offset ${placeholder((page - 1) * limit)}`;
  return { sql, values };
}

/** The page in `rows` (which hold one row more than the page when there is a next one). */
function toPage<T>(rows: T[], idOf: (row: T) => number, { limit = DEFAULT_LIMIT, page }: PageQuery): Page<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, next: page !== undefined ? { page: page + 1 } : { after: idOf(items[items.length - 1]!) } };
}

/**
 * One page of `list`. Lists are the busiest routes: their SQL is put together here as text and
 * run through `queryRows`.
 */
export async function fetchPage<T extends { id: number }>(knex: Knex, list: ListQuery, pageQuery: PageQuery): Promise<Page<T>> {
  const { sql, values } = pageSql(list, pageQuery);
  return toPage(await queryRows<T>(knex, sql, values, { prepared: list.prepared }), (row) => row.id, pageQuery);
}

/**
 * One page of `list` with every item as the JSON text PostgreSQL makes of its row (`row_to_json`:
 * compact, columns in order), ready to send: for the busiest lists, where decoding every column
 * of every row and encoding it again as JSON was most of the request's work. `list` must select
 * every column as it is to appear (timestamps through `isoTimestampSql`).
 */
export async function fetchJsonPage(knex: Knex, list: ListQuery, pageQuery: PageQuery): Promise<Page<string>> {
  const { sql, values } = pageSql(list, pageQuery);
  const json = `select id, row_to_json(item)::text as json from (${sql}) item order by id`;
  const rows = await queryRows<{ id: number; json: string }>(knex, json, values, { prepared: list.prepared });
  const { items, next } = toPage(rows, (row) => row.id, pageQuery);
  return { items: items.map((row) => row.json), next };
}

const PAGING_KEYS = new Set(['page', 'after']);

/** The name of a `key=value` pair of a query string, decoded as the query parser decodes it. */
function keyOf(pair: string): string {
  const key = pair.split('=', 1)[0]!;
  if (!/[%+]/.test(key)) return key;
  try {
    return decodeURIComponent(key.replaceAll('+', ' '));
  } catch {
    return key;
  }
}

// Node's parser lets `<`, `>` and `"` through in a request target; inside `Link: <…>` they would end
// or break the URL. (Anything outside visible ASCII never gets this far: Node answers 400.)
const UNSAFE_IN_LINK = /[^\x21-\x7e]|[<>"]/g;
const percentEncoded = (char: string) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
// An absolute-form request target (`GET http://host/path`, as sent to proxies) names its own origin.
const ORIGIN = /^[a-z][a-z\d+.-]*:\/\/[^/?]*/i;

/**
 * Sets `Link: <…>; rel="next"` to this request's URL with the next page's query: every other
 * parameter (the filters, `limit`) kept as the client wrote it. The origin is PUBLIC_URL when it
 * is set (`app.locals.publicUrl`), else the request's scheme and Host as the client sent them.
 */
export function setNextLink(req: Request, res: Response, next: Page<unknown>['next']): void {
  if (!next) return;
  const url = req.originalUrl.replace(ORIGIN, '').replace(UNSAFE_IN_LINK, percentEncoded);
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const pairs = queryStart === -1 ? [] : url.slice(queryStart + 1).split('&');
  const kept = pairs.filter((pair) => pair !== '' && !PAGING_KEYS.has(keyOf(pair)));
  for (const [key, value] of Object.entries(next)) kept.push(`${key}=${value}`);
  const origin = (req.app.locals.publicUrl as string | undefined) ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  res.setHeader('Link', `<${origin}${path}?${kept.join('&')}>; rel="next"`);
}

/** Answers a page from `fetchJsonPage`: its items as one JSON array, and the Link to the next. */
export function sendJsonPage(req: Request, res: Response, page: Page<string>): void {
  setNextLink(req, res, page.next);
  sendJsonArray(res, page.items);
}

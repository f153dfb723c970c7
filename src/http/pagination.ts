import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';

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
 * One page of `query` in ascending `idColumn` order. Keyset (`after`, also the default) reads
 * through the index however deep the page; `page` uses an offset. One extra row tells whether
 * a next page exists.
 */
export async function fetchPage<T extends { id: number }>(
  query: Knex.QueryBuilder,
  { limit = DEFAULT_LIMIT, page, after }: PageQuery,
  idColumn = 'id',
): Promise<Page<T>> {
  query.orderBy(idColumn, 'asc').limit(limit + 1);
  if (page !== undefined) query.offset((page - 1) * limit);
  else if (after !== undefined && after > 0) query.where(idColumn, '>', after);

  const rows = (await query) as T[];
  const items = rows.slice(0, limit);
  if (rows.length <= limit) return { items };
  return { items, next: page !== undefined ? { page: page + 1 } : { after: items[items.length - 1]!.id } };
}

/** Sets `Link: <…>; rel="next"` to this request's URL with the next page's query. */
export function setNextLink(req: Request, res: Response, next: Page<unknown>['next']): void {
  if (!next) return;
  const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  url.searchParams.delete('page');
  url.searchParams.delete('after');
  for (const [key, value] of Object.entries(next)) url.searchParams.set(key, String(value));
  res.set('Link', `<${url.toString()}>; rel="next"`);
}

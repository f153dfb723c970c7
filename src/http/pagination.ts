import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Page } from '../db';
import { MAX_ID } from './validation';

const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 50;

/** A query value that must be one whole number in [min, max]; repeated or other values fail. */
const wholeNumber = (message: string, min: number, max: number) =>
  z
    .string({ error: message })
    .regex(/^\d{1,10}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);

/** `?limit=` (1–100, default 50) and either `?page=` (1-based) or `?after=<id>` (keyset). */
export const pageQuerySchema = z
  .object({
    limit: wholeNumber(`The limit must be a whole number from 1 to ${MAX_LIMIT}.`, 1, MAX_LIMIT)
      .default(DEFAULT_LIMIT)
      .describe(`Items per page, 1–${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`),
    page: wholeNumber('The page must be a whole number of at least 1.', 1, MAX_ID)
      .optional()
      .describe('Page number, 1-based (offset paging). Not together with `after`.'),
    after: wholeNumber('The after must be an id: a whole number of at least 0.', 0, MAX_ID)
      .optional()
      .describe('Keyset paging: the items whose id is greater than this (`0` is the start). Not together with `page`. The default when neither is given.'),
  })
  .refine((query) => query.page === undefined || query.after === undefined, {
    path: ['page'],
    message: 'Use either page or after, not both.',
    when: () => true,
  });

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
export function setNextLink(req: Request, res: Response, next: Page['next']): void {
  if (!next) return;
  const url = req.originalUrl.replace(ORIGIN, '').replace(UNSAFE_IN_LINK, percentEncoded);
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const pairs = queryStart === -1 ? [] : url.slice(queryStart + 1).split('&');
  const kept = pairs.filter((pair) => pair !== '' && !PAGING_KEYS.has(keyOf(pair)));
  for (const [key, value] of Object.entries(next)) kept.push(`${key}=${value}`);
  res.setHeader('Link', `<${requestOrigin(req)}${path}?${kept.join('&')}>; rel="next"`);
}

/** The origin of the URLs the server hands out: PUBLIC_URL when set (`app.locals.publicUrl`), else the request's scheme and Host. */
export function requestOrigin(req: Request): string {
  return (req.app.locals.publicUrl as string | undefined) ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

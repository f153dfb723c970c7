/**
 * The least that the benchmarked work needs: bare `node:http` + `pg` + `jsonwebtoken`, no framework,
 * no middleware, no logging. It answers the measured routes the way the server does (same JSON,
 * same Link header, helmet's and CORS's headers as constants):
 *
 *   GET /api/images?limit=&after=      verify the JWT (HS256 only), check its user, token version and
 *                                      revocation in the server's one query, read one page of the
 *                                      caller's images
 *   GET /api/kickstarter?limit=&after= read one page of campaigns
 *   GET /api/auth/:id, /api/users/:id  verify the JWT and check its user as above; for the caller's
 *                                      own id reuse that row, else read the user; then read the
 *                                      user's first 100 campaigns: `{ ...user, kickstarter: [...] }`
 *                                      (email only for the caller)
 *
 * Run as its own process by bench/run.ts: PORT, JWT_SECRET, and DATABASE_URL (pool of POOL_MAX,
 * default 10 like the server's) or EMBEDDED_DB_DIR (the project's embedded PostgreSQL, one
 * connection like the server's). Prints `ready <port>` once it answers.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import helmet from 'helmet';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded';

const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 50;
const MAX_ID = 2_147_483_647;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WHOLE = /^\d{1,10}$/;
const PROFILE_PATH = /^\/api\/(?:auth|users)\/([^/]+)$/;

// The rows the server reads (src/users/model.ts#findTokenHolder, src/http/pagination.ts), as plain
// queries: the server runs them as prepared statements and has PostgreSQL write the lists' JSON.
const HOLDER_SQL =
  'select "u"."id", "u"."username", "u"."name", "u"."email", "u"."created_at", "u"."updated_at", "u"."token_version", ' +
  'exists (select 1 from revoked_tokens r where r.jti = $1) as revoked from "users" as "u" where "u"."id" = $2 limit $3';
const IMAGES_SQL = 'select "id", "user_id", "data", "metrics", "created_at", "updated_at" from "images" where "user_id" = $1';
const USER_SQL = 'select "id", "username", "name", "email", "created_at", "updated_at" from "users" where "id" = $1';
/**
 * How many campaigns a profile embeds (src/users/routes.ts). The server reads one row more (its
 * one paged-list read tells whether a next page exists); the reference reads only what it sends.
 */
const PROFILE_CAMPAIGNS = 100;
const CAMPAIGN_SQL =
  'select "id", "user_id", "campaign_name", "categories", "description", "monetary_goal", "duration", "country", ' +
  '"created_at", "updated_at", ' +
  // The eight stored insights (issue 13), sent as read.
  '"prediction_results", "results", "raising_more_success", "category_success", "category_average", "average_over", ' +
  '"average_backers", "average_duration" from "kickstarter"';

/** helmet's headers are the same on every response: computed once, by helmet itself. */
function staticHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const fakeRes = {
    setHeader: (name: string, value: string) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet()({ headers: {} } as IncomingMessage, fakeRes as unknown as ServerResponse, () => undefined);
  headers['access-control-allow-origin'] = '*';
  headers['access-control-expose-headers'] = 'Link,Retry-After,WWW-Authenticate';
  headers['content-type'] = 'application/json; charset=utf-8';
  return headers;
}

const HEADERS = staticHeaders();

function send(res: ServerResponse, status: number, body: unknown, extra?: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...HEADERS, ...extra, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const UNAUTHORIZED = { success: false, message: 'Invalid Login or Token Expired.' };
const unauthorized = (res: ServerResponse) => send(res, 401, UNAUTHORIZED, { 'www-authenticate': 'Bearer' });

interface PageQuery {
  limit: number;
  after: number;
}

/** `limit` and `after` as the server validates them; undefined means a 422. */
function pageQuery(params: URLSearchParams): PageQuery | undefined {
  const limit = params.get('limit');
  const after = params.get('after');
  if (params.has('page')) return undefined; // Not measured: the reference serves keyset pages only.
  if (limit !== null && (!WHOLE.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT)) return undefined;
  if (after !== null && (!WHOLE.test(after) || Number(after) > MAX_ID)) return undefined;
  return { limit: limit === null ? DEFAULT_LIMIT : Number(limit), after: after === null ? 0 : Number(after) };
}

/** One page of `sql` (with `params` already bound as $1…) in id order, plus the Link to the next. */
async function fetchPage(
  pool: pg.Pool,
  sql: string,
  params: unknown[],
  { limit, after }: PageQuery,
  where: boolean,
): Promise<{ rows: Record<string, unknown>[]; nextAfter?: number }> {
  const values = [...params];
  let text = sql;
  if (after > 0) {
    values.push(after);
    text += `${where ? ' and' : ' where'} "id" > $${values.length}`;
  }
  values.push(limit + 1);
  text += ` order by "id" asc limit $${values.length}`;
  const { rows } = await pool.query(text, values);
  if (rows.length <= limit) return { rows };
  const page = rows.slice(0, limit);
  return { rows: page, nextAfter: page[page.length - 1]!.id as number };
}

function nextLink(req: IncomingMessage, params: URLSearchParams, path: string, nextAfter: number | undefined) {
  if (nextAfter === undefined) return undefined;
  const next = new URLSearchParams(params);
  next.delete('page');
  next.set('after', String(nextAfter));
  return { link: `<http://${req.headers.host ?? 'localhost'}${path}?${next.toString()}>; rel="next"` };
}

const iso = (value: unknown) => (value as Date).toISOString();

interface Holder {
  id: number;
  username: string | null;
  name: string | null;
  email: string | null;
  created_at: Date;
  updated_at: Date;
  token_version: number;
  revoked: boolean;
}

/** The bearer token's claims, checked as the server checks them; undefined means a 401. */
function tokenClaims(secret: KeyObject, req: IncomingMessage): { userId: number; ver: number; jti: string } | undefined {
  // The token: `Bearer <token>` or the raw token, HS256 only, with the claims the server requires.
  const header = req.headers.authorization?.trim();
  const token = header && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : header;
  if (!token) return undefined;
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, secret, { algorithms: ['HS256'] });
  } catch {
    return undefined;
  }
  if (typeof payload === 'string') return undefined;
  const { sub, ver, jti, exp } = payload;
  const userId = Number(sub);
  if (!/^\d+$/.test(sub ?? '') || !Number.isInteger(userId) || userId < 1 || userId > MAX_ID) return undefined;
  if (typeof ver !== 'number' || !Number.isInteger(ver)) return undefined;
  if (typeof jti !== 'string' || !UUID.test(jti) || typeof exp !== 'number') return undefined;
  return { userId, ver, jti };
}

/** The token holder's row (the server's one query), or undefined for a 401. */
async function tokenHolder(pool: pg.Pool, claims: { userId: number; ver: number; jti: string }): Promise<Holder | undefined> {
  const { rows } = await pool.query(HOLDER_SQL, [claims.jti, claims.userId, 1]);
  const holder = rows[0] as Holder | undefined;
  if (!holder || holder.revoked || holder.token_version !== claims.ver) return undefined;
  return holder;
}

async function images(pool: pg.Pool, secret: KeyObject, req: IncomingMessage, res: ServerResponse, params: URLSearchParams) {
  const claims = tokenClaims(secret, req);
  if (!claims) return unauthorized(res);
  const query = pageQuery(params);
  // The server authenticates before it validates the query: so does the reference.
  const holder = await tokenHolder(pool, claims);
  if (!holder) return unauthorized(res);
  if (!query) return send(res, 422, { success: false, message: 'The given data was invalid.' });

  const { rows, nextAfter } = await fetchPage(pool, IMAGES_SQL, [holder.id], query, true);
  const body = rows.map((row) => ({
    id: row.id,
    user_id: row.user_id,
    data: row.data,
    metrics: row.metrics,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  }));
  send(res, 200, body, nextLink(req, params, '/api/images', nextAfter));
}

const campaignView = (row: Record<string, unknown>) => ({
  id: row.id,
  user_id: row.user_id,
  campaignName: row.campaign_name,
  categories: row.categories,
  description: row.description,
  monetaryGoal: row.monetary_goal,
  duration: row.duration,
  country: row.country,
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at),
  prediction_results: row.prediction_results,
  results: row.results,
  raising_more_success: row.raising_more_success,
  category_success: row.category_success,
  category_average: row.category_average,
  average_over: row.average_over,
  average_backers: row.average_backers,
  average_duration: row.average_duration,
});

/**
 * A user and their first 100 campaigns: after the token check, no query more for the caller's own
 * id (their row is the holder's), one more for another's; then the campaigns.
 */
async function profile(pool: pg.Pool, secret: KeyObject, req: IncomingMessage, res: ServerResponse, idText: string) {
  const claims = tokenClaims(secret, req);
  if (!claims) return unauthorized(res);
  const holder = await tokenHolder(pool, claims);
  if (!holder) return unauthorized(res);
  const id = WHOLE.test(idText) ? Number(idText) : 0;
  if (id < 1 || id > MAX_ID) return send(res, 404, { success: false, message: 'Not Found.' });
  const user = id === holder.id ? holder : ((await pool.query(USER_SQL, [id])).rows[0] as Holder | undefined);
  if (!user) return send(res, 404, { success: false, message: 'Not Found.' });
  const { rows } = await pool.query(`${CAMPAIGN_SQL} where "user_id" = $1 order by "id" asc limit $2`, [user.id, PROFILE_CAMPAIGNS]);
  send(res, 200, {
    id: user.id,
    username: user.username,
    name: user.name,
    email: user.id === holder.id ? user.email : null,
    created_at: iso(user.created_at),
    updated_at: iso(user.updated_at),
    kickstarter: rows.map(campaignView),
  });
}

async function campaigns(pool: pg.Pool, req: IncomingMessage, res: ServerResponse, params: URLSearchParams) {
  const query = pageQuery(params);
  if (!query) return send(res, 422, { success: false, message: 'The given data was invalid.' });
  const { rows, nextAfter } = await fetchPage(pool, CAMPAIGN_SQL, [], query, false);
  const body = rows.map(campaignView);
  send(res, 200, body, nextLink(req, params, '/api/kickstarter', nextAfter));
}

async function main() {
  if (!process.env.JWT_SECRET) throw new Error('JWT_SECRET is required');
  // The key made once: given the secret as a string, jsonwebtoken first tries to parse it as a PEM
  // public key (createPublicKey, which throws) and then makes a secret key, on every verify.
  const secret = createSecretKey(Buffer.from(process.env.JWT_SECRET, 'utf8'));
  const poolMax = Number(process.env.POOL_MAX ?? 10);
  let closeDb = async () => undefined as void;
  let pool: pg.Pool;
  if (process.env.DATABASE_URL) {
    const ssl = process.env.DATABASE_SSL === 'true' ? { rejectUnauthorized: false } : false;
    pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, ssl, max: poolMax });
  } else if (process.env.EMBEDDED_DB_DIR) {
    const embedded = await startEmbeddedPostgres(process.env.EMBEDDED_DB_DIR);
    pool = new pg.Pool({ ...embedded.connection, max: 1 });
    closeDb = () => embedded.close();
  } else {
    throw new Error('DATABASE_URL or EMBEDDED_DB_DIR is required');
  }
  await pool.query('select 1');

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const path = mark === -1 ? url : url.slice(0, mark);
    const params = new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1));
    let work: Promise<void> | void;
    if (req.method === 'GET' && path === '/api/images') work = images(pool, secret, req, res, params);
    else if (req.method === 'GET' && path === '/api/kickstarter') work = campaigns(pool, req, res, params);
    else if (req.method === 'GET' && PROFILE_PATH.test(path)) work = profile(pool, secret, req, res, PROFILE_PATH.exec(path)![1]!);
    else if (req.method === 'GET' && path === '/health') work = send(res, 200, { status: 'ok' });
    else work = send(res, 404, { success: false, message: 'Not found.' });
    Promise.resolve(work).catch((error: unknown) => {
      console.error(error);
      if (!res.headersSent) send(res, 500, { success: false, message: 'Server error.' });
    });
  });
  server.keepAliveTimeout = 5_000;
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const address = server.address();
    console.log(`ready ${typeof address === 'object' && address ? address.port : ''}`);
  });

  const stop = () => {
    server.close(() => {
      void pool.end().then(closeDb).then(() => process.exit(0));
    });
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import fc from 'fast-check';
import { startTestApp, type TestApp } from './helpers/app';
import { registerAndLogin, type RegisteredUser } from './helpers/users';

/**
 * Generated bodies, queries, path ids and headers against every route: whatever comes in, the
 * answer is never a 5xx, always JSON (but for 204s), and never a password or hash (every
 * response also goes through the test client's secret check).
 */

let t: TestApp;
let user: RegisteredUser;
beforeAll(async () => {
  t = await startTestApp();
  user = await registerAndLogin(t);
});
afterAll(() => t.close());

async function relogin() {
  const res = await t.http().post('/api/login').send({ username: user.username, password: user.password });
  return { token: res.body.token as string };
}

const ROUTES: Array<[method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string]> = [
  ['post', '/api/auth/register'],
  ['post', '/api/register'],
  ['post', '/api/auth/login'],
  ['post', '/api/login'],
  ['post', '/api/auth/logout'],
  ['get', '/api/auth'],
  ['get', '/api/users'],
  ['get', '/api/users/me'],
  ['patch', '/api/users/me'],
  ['get', '/api/auth/:id'],
  ['get', '/api/users/:id'],
  ['put', '/api/auth/update/:id'],
  ['delete', '/api/auth/delete/:id'],
  ['get', '/api/images'],
  ['post', '/api/images'],
  ['get', '/images/:id'],
  ['put', '/api/images/:id'],
  ['patch', '/images/:id'],
  ['delete', '/api/images/:id'],
  ['post', '/api/images/uploads'],
  ['post', '/images/signed-url'],
  ['put', '/uploads/:id'],
  ['get', '/uploads/:id'],
  ['get', '/api/kickstarter'],
  ['get', '/api/kickstarter/all'],
  ['get', '/api/kickstarter/user/:id'],
  ['post', '/api/kickstarter/user/:id'],
  ['get', '/api/kickstarter/:id'],
  ['post', '/api/kickstarter'],
  ['put', '/api/kickstarter/:id'],
  ['patch', '/api/kickstarter/:id'],
  ['delete', '/api/kickstarter/:id'],
  ['get', '/api/kickstarter/visualizations/:id'],
  ['get', '/api/kickstarter/visualizations/:id/:graph'],
  ['get', '/health'],
  ['get', '/ready'],
  ['get', '/api'],
];

const FIELDS = [
  'username', 'email', 'name', 'password', 'password_confirmation', 'current_password', 'url', 'type', 'data',
  'campaignName', 'categories', 'description', 'monetaryGoal', 'duration', 'country', 'user_id', 'id',
];

/** Text PostgreSQL cannot store, or that has no UTF-8 form, somewhere inside a string. */
const unstorable = fc
  .tuple(fc.string({ maxLength: 8 }), fc.constantFrom('\u0000', '\ud800', '\udfff', '\udc00\ud800'), fc.string({ maxLength: 8 }))
  .map(([before, bad, after]) => before + bad + after);
const oddString = fc.oneof(
  unstorable,
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '👩‍💻'.repeat(30), 'é'.repeat(80), 'a'.repeat(6000), '../../etc/passwd', "'; drop table users; --", 'https://example.com/x.png', '1e309'),
);
const oddNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1e308, -1e308, 2 ** 31, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 0.5),
);
const leaf = fc.oneof(oddString, oddNumber, fc.boolean(), fc.constant(null));
const value = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string()), tie('value'), { maxKeys: 5 })),
})).value;
/** A body every route would accept, but for one field that holds unstorable text. */
const VALID_FIELDS: Record<string, unknown> = {
  username: 'someone_ok', email: 'someone@example.com', name: 'Some Name', password: 'password1', current_password: 'password1',
  url: 'https://example.com/a.png', campaignName: 'Dice', categories: 'Games', description: 'Roll', monetaryGoal: 100, duration: 10, country: 'USA',
};
const poisonedBody = fc
  .tuple(fc.constantFrom(...Object.keys(VALID_FIELDS), 'caption'), unstorable)
  .map(([field, bad]) => ({ ...VALID_FIELDS, [field]: bad }));
const body = fc.oneof(
  poisonedBody,
  fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 8 }),
  value,
  fc.integer({ min: 1, max: 200 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
);
const rawBody = fc.oneof(fc.constantFrom('{', '{"a":1,}', 'nul', '[1,2', '\u0000', '{"username": "x"'), fc.string());
const pathId = fc.oneof(
  fc.constantFrom('0', '-1', '1e9', '99999999999999999999', 'abc', '1;drop', '%00', '1.5', ' 1', '2147483648', '1'),
  // Percent-encodings that do not decode: not hex, cut short, overlong, a surrogate, a lone continuation byte.
  fc.constantFrom('%zz', '%E0%A4%A', '%C0%AE', '%ED%A0%80', '%80', '%', '1%2', '%F4%90%80%80', '%c3('),
  fc.nat({ max: 2_147_483_647 }).map(String),
  fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent),
);
const query = fc.dictionary(
  fc.constantFrom('limit', 'page', 'after', 'categories', 'country', 'user_id', 'x'),
  fc.oneof(oddString.map(String), oddNumber.map(String), fc.array(fc.string(), { maxLength: 3 }).map((a) => a.join(','))),
  { maxKeys: 4 },
);
/** A Content-Encoding header the (plain) body does not have, or one the server does not know. */
const contentEncoding = fc.constantFrom(undefined, undefined, undefined, 'gzip', 'deflate', 'br', 'identity', 'zstd', 'gzip, br', 'x-nope');
const contentType = fc.constantFrom('application/json', 'application/merge-patch+json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', undefined);
const authorization = fc.oneof(
  fc.constant<'valid' | undefined>('valid'),
  fc.constant(undefined),
  fc.constantFrom('Bearer', 'Bearer ', '[object Object]', 'Basic YWRtaW46cGFzc3dvcmQ=', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.'),
  fc.string(),
);

/** The chart pages answer an HTML page (or a 304) instead of JSON. */
const HTML_ROUTES = new Set(['/api/kickstarter/visualizations/:id/:graph']);
const graph = fc.oneof(fc.constantFrom('graph1', 'graph2', 'graph3', 'graph0', 'GRAPH1', '%zz', 'graph1%00'), fc.string({ minLength: 1, maxLength: 10 }).map(encodeURIComponent));

const request = fc.record({
  route: fc.constantFrom(...ROUTES),
  id: pathId,
  graph,
  query,
  body: fc.oneof(body.map((b) => ({ json: b })), rawBody.map((raw) => ({ raw }))),
  contentType,
  contentEncoding,
  authorization,
});

describe('generated requests to every route', () => {
  test('then no 5xx, always JSON, never a secret', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ route: [method, template], id, graph: chart, query: q, body: b, contentType: type, contentEncoding: encoding, authorization: auth }) => {
        const path = template.replace(':id', id).replace(':graph', chart);
        const req = t.http()[method](path).query(q);
        if (auth === 'valid') req.set('Authorization', `Bearer ${user.token}`);
        else if (auth !== undefined && /^[\t\x20-\x7e]*$/.test(auth)) req.set('Authorization', auth);
        if (type) req.set('Content-Type', type);
        if (encoding) req.set('Content-Encoding', encoding);
        const payload = 'json' in b ? JSON.stringify(b.json) ?? 'null' : b.raw;
        const res = await req.send(method === 'get' ? undefined : payload);
        const where = `${method.toUpperCase()} ${path} -> ${res.status} ${res.text.slice(0, 200)}`;
        if (res.status >= 500) throw new Error(where);
        const html = HTML_ROUTES.has(template) && (res.status === 304 || (res.status === 200 && /^text\/html/.test(res.headers['content-type'] ?? '')));
        if (res.status !== 204 && !html && !/^application\/json/.test(res.headers['content-type'] ?? '')) throw new Error(`not JSON: ${where}`);
        // A generated logout really revokes the shared token: take a fresh one.
        if (res.status === 204 && template === '/api/auth/logout') user = { ...user, ...(await relogin()) };
      }),
      { numRuns: 600, seed: Number(process.env.PROPERTY_SEED ?? Date.now() % 100_000) },
    );
  }, 180_000);
});

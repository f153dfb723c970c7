import request from 'supertest';
import { apiDocument, createApp } from '../src/app';
import { HTTP_METHODS, type OpenApiDocument } from '../src/openapi/document';
import { startTestApp, type TestApp } from './helpers/app';
import { COMPONENTS_ID, createAjv, createResponseChecker, responsesValidated } from './helpers/openapi-responses';
import { registerAndLogin } from './helpers/users';

let t: TestApp;
let document: OpenApiDocument;
beforeAll(async () => {
  t = await startTestApp();
  document = apiDocument();
});
afterAll(() => t.close());

const BCRYPT_HASH = /\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}/;
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('response validation against the document', () => {
  const checker = createResponseChecker();
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const user = { id: 1, username: 'ann', name: null, email: 'ann@example.com', created_at: '2024-01-01T00:00:00.000Z', updated_at: '2024-01-01T00:00:00.000Z' };

  test('when a response matches the document, then it passes', () => {
    expect(() => checker.check('get', '/api/users/me', { status: 200, headers: json, body: user })).not.toThrow();
    expect(() => checker.check('get', '/images?limit=2', { status: 200, headers: json, body: [] })).not.toThrow();
    expect(() =>
      checker.check('get', '/api/users/me', { status: 401, headers: { ...json, 'www-authenticate': 'Bearer' }, body: { success: false, message: 'Invalid Login or Token Expired.' } }),
    ).not.toThrow();
  });

  test('when the status is not one the operation documents, then it fails', () => {
    expect(() => checker.check('get', '/api/users/me', { status: 403, headers: json, body: { success: false, message: 'no' } })).toThrow(
      /does not document 403/,
    );
    expect(() => checker.check('delete', '/api/kickstarter/3', { status: 200, headers: json, body: {} })).toThrow(/does not document 200/);
  });

  test('when the body differs from the documented schema, then it fails', () => {
    expect(() => checker.check('get', '/api/users/me', { status: 200, headers: json, body: { ...user, password: 'x' } })).toThrow(
      /does not match the documented schema/,
    );
    expect(() => checker.check('get', '/api/users/1', { status: 200, headers: json, body: user })).toThrow(/kickstarter/);
    expect(() => checker.check('post', '/api/images', { status: 422, headers: json, body: { success: false, message: 'The given data was invalid.' } })).toThrow(
      /errors/,
    );
  });

  test('when a documented required header is missing or malformed, then it fails', () => {
    const body = { success: false, message: 'Invalid Login or Token Expired.' };
    expect(() => checker.check('get', '/api/users', { status: 401, headers: json, body })).toThrow(/WWW-Authenticate is missing/);
    expect(() => checker.check('get', '/api/kickstarter', { status: 429, headers: { ...json, 'retry-after': 'soon' }, body: { success: false, message: 'x' } })).toThrow(
      /Retry-After/,
    );
  });

  test('when the content type or the emptiness of the body is wrong, then it fails', () => {
    expect(() => checker.check('get', '/api', { status: 200, headers: { 'content-type': 'text/html' }, body: {}, text: '<p>' })).toThrow(/Content-Type/);
    expect(() => checker.check('delete', '/api/images/1', { status: 204, headers: json, body: {}, text: '{}' })).toThrow(/no body/);
  });

  test('when a path or method the document does not list answers anything but an early error, then it fails', () => {
    const notFound = { status: 404, headers: json, body: { success: false, message: 'Not Found.' } };
    expect(() => checker.check('get', '/nope', notFound)).not.toThrow();
    expect(() => checker.check('put', '/api/users/me', notFound)).not.toThrow();
    expect(() => checker.check('get', '/nope', { status: 200, headers: json, body: {} })).toThrow(/lists no GET \/nope/);
  });

  test('when the suite sends a request through the test client, then its response is validated too', async () => {
    const before = responsesValidated();
    await t.http().get('/api');
    expect(responsesValidated()).toBe(before + 1);
  });
});

/** Every `$ref` in `value`, with where it sits. */
function collectRefs(value: unknown, at = '#', found: Array<{ at: string; ref: string }> = []): Array<{ at: string; ref: string }> {
  if (Array.isArray(value)) value.forEach((item, i) => collectRefs(item, `${at}/${i}`, found));
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') found.push({ at, ref: child });
      else collectRefs(child, `${at}/${key}`, found);
    }
  }
  return found;
}

const pointer = (doc: unknown, ref: string) =>
  ref
    .replace(/^#\//, '')
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);

describe('the document is well-formed OpenAPI 3.1', () => {
  test('then every $ref points inside the document and resolves', () => {
    const refs = collectRefs(document);
    expect(refs.length).toBeGreaterThan(50);
    const broken = refs.filter(({ ref }) => !ref.startsWith('#/') || pointer(document, ref) === undefined);
    expect(broken).toEqual([]);
  });

  test('then every operation has a unique id, a tag that exists, a success response and only known security schemes', () => {
    const ids = new Set<string>();
    const tags = new Set(document.tags.map((tag) => tag.name));
    for (const [path, item] of Object.entries(document.paths)) {
      expect(Object.keys(item).every((key) => (HTTP_METHODS as readonly string[]).includes(key))).toBe(true);
      for (const method of HTTP_METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const where = `${method.toUpperCase()} ${path}`;
        expect([where, ids.has(operation.operationId)]).toEqual([where, false]);
        ids.add(operation.operationId);
        expect([where, operation.tags.every((tag) => tags.has(tag))]).toEqual([where, true]);
        const statuses = Object.keys(operation.responses);
        expect([where, statuses.some((status) => /^2\d\d$/.test(status))]).toEqual([where, true]);
        expect([where, statuses.every((status) => /^[1-5]\d\d$/.test(status))]).toEqual([where, true]);
        for (const response of Object.values(operation.responses)) expect(typeof response.description).toBe('string');
        for (const requirement of operation.security ?? []) {
          for (const scheme of Object.keys(requirement)) expect(document.components.securitySchemes[scheme]).toBeDefined();
        }
      }
    }
  });

  test('then every path parameter is declared, and every declared one is in the path', () => {
    for (const [path, item] of Object.entries(document.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      for (const method of HTTP_METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const parameters = operation.parameters ?? [];
        const declared = parameters.filter((p) => p.in === 'path').map((p) => p.name).sort();
        expect([`${method} ${path}`, declared]).toEqual([`${method} ${path}`, inPath]);
        for (const p of parameters) {
          if (p.in === 'path') expect(p.required).toBe(true);
          expect(p.schema).toBeDefined();
        }
        const names = parameters.map((p) => `${p.in}:${p.name}`);
        expect(new Set(names).size).toBe(names.length);
      }
    }
  });

  test('then routes that need a token say so, and public ones do not', () => {
    const isPublic = (route: string) =>
      /^POST \/api(\/auth)?\/(register|login)$/.test(route) || /^(GET|PUT) \/uploads\//.test(route) || /^GET \/(health|ready|api$|api\/(openapi\.json|docs|kickstarter))/.test(route);
    const documentedRoutes = Object.entries(document.paths).flatMap(([path, item]) =>
      HTTP_METHODS.filter((method) => item[method]).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const route of documentedRoutes) {
      const [method, path] = route.split(' ') as [string, string];
      const operation = document.paths[path]![method.toLowerCase() as 'get']!;
      expect([route, operation.security === undefined]).toEqual([route, isPublic(route)]);
      expect([route, '401' in operation.responses]).toEqual([route, !isPublic(route) || route.includes('login')]);
    }
  });

  test('then every schema compiles as strict JSON Schema 2020-12, request bodies included', () => {
    const ajv = createAjv(document);
    for (const name of Object.keys(document.components.schemas)) {
      expect(() => ajv.compile({ $ref: `${COMPONENTS_ID}#/$defs/${name}` })).not.toThrow();
    }
    for (const item of Object.values(document.paths)) {
      for (const operation of Object.values(item)) {
        for (const parameter of operation.parameters ?? []) expect(() => ajv.compile(parameter.schema)).not.toThrow();
      }
    }
    for (const headerObject of Object.values(document.components.headers)) expect(() => ajv.compile(headerObject.schema)).not.toThrow();
  });

  test('then the request bodies are the very schemas that validate requests', () => {
    const { schemas } = document.components;
    expect(schemas.RegisterRequest).toMatchObject({ required: ['password'], properties: { username: expect.anything(), email: expect.anything() } });
    expect(schemas.CampaignInput!.required).toEqual(['campaignName', 'categories', 'monetaryGoal', 'duration', 'country']);
    expect(schemas.CampaignPatch!.required).toBeUndefined();
    expect(document.paths['/api/images']!.post!.requestBody!.content['application/json']!.schema).toEqual({ $ref: '#/components/schemas/ImageData' });
    expect(schemas.ImageData).toMatchObject({ required: ['url'] });
    expect(document.paths['/api/kickstarter']!.get!.parameters!.map((p) => `${p.in}:${p.name}:${p.required}`)).toEqual([
      'query:limit:false', 'query:page:false', 'query:after:false', 'query:categories:false', 'query:country:false', 'query:user_id:false',
    ]);
    expect(document.paths['/api/images/{id}']!.get!.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true, description: expect.stringMatching(/positive integer/) }),
    ]);
  });

  test('then the bearer scheme accepts a raw token too', () => {
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(String(document.components.securitySchemes.bearerAuth!.description)).toMatch(/without "Bearer "/);
  });
});

describe('serving the document', () => {
  /**
   * The document is fetched around the test client: its secret check flags keys named like
   * passwords, and the document's schemas have properties named `password`. What that check is
   * for, no bcrypt hash in any response, is checked here, and the response is validated as the
   * client would.
   */
  const fetchDocument = async (app = t.app) => {
    const res = await request(app).get('/api/openapi.json');
    expect(res.text).not.toMatch(BCRYPT_HASH);
    createResponseChecker().check('get', '/api/openapi.json', res);
    return res;
  };

  test('GET /api/openapi.json answers the OpenAPI 3.1 document as JSON', async () => {
    const res = await fetchDocument();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body).toEqual(clone(document));
  });

  test('GET /api/docs answers Swagger UI: HTML that loads the document, its assets from this server', async () => {
    const res = await t.http().get('/api/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('/api/openapi.json');
    const assets = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/api\/docs\//);
      const served = await t.http().get(asset);
      expect([asset, served.status]).toEqual([asset, 200]);
    }
    const script = await t.http().get('/api/docs/swagger-initializer.js');
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.text).toContain('SwaggerUIBundle');
    expect((await t.http().get('/api/docs/swagger-ui-bundle.js')).headers['content-type']).toMatch(/^text\/javascript/);
  });

  test('when another file of the Swagger UI package is asked for, then 404 JSON', async () => {
    for (const path of ['/api/docs/index.html', '/api/docs/package.json', '/api/docs/..%2Fpackage.json', '/api/docs/oauth2-redirect.html']) {
      const res = await t.http().get(path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.body.success).toBe(false);
    }
  });

  test('then the docs page keeps helmet\'s policy but for upgrade-insecure-requests, and every other response keeps all of it', async () => {
    const page = (await t.http().get('/api/docs')).headers['content-security-policy'] as string;
    expect(page).toMatch(/script-src 'self'(;|$)/);
    expect(page).toMatch(/default-src 'self'/);
    expect(page).toMatch(/object-src 'none'/);
    expect(page).not.toMatch(/upgrade-insecure-requests/);
    expect(page).not.toMatch(/unsafe-eval/);
    for (const path of ['/api', '/nope', '/api/docs/swagger-initializer.js']) {
      const policy = (await t.http().get(path)).headers['content-security-policy'] as string;
      expect([path, policy]).toEqual([path, expect.stringContaining('upgrade-insecure-requests')]);
    }
    expect((await fetchDocument()).headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });

  test('then the document is built once per process, and every app serves that one', async () => {
    expect(apiDocument()).toBe(apiDocument());
    const other = await fetchDocument(createApp(t.deps));
    expect(other.body).toEqual(clone(apiDocument()));
  });
});

describe('the document describes real behaviour', () => {
  test('when a list has a next page, then its Link header matches the documented one', async () => {
    const { token } = await registerAndLogin(t);
    await registerAndLogin(t);
    const res = await t.http().get('/api/users?limit=1').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.headers.link).toMatch(/rel="next"/);
  });
});

import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { createLogger } from '../../src/logger';
import { jsonBody } from '../../src/http/body';
import { errorHandler, forbidden, notFound, unauthorized } from '../../src/http/errors';
import { JsonText } from '../../src/http/json-response';
import { mountRoutes } from '../../src/http/mount';
import { type Caller, routesOf } from '../../src/http/routes';
import { idParams } from '../../src/http/validation';

/**
 * The mounter on routes declared here: whatever a request gets wrong, the answer is the first
 * failing check in the contract's order, token → path id → the resource and its owner → body.
 */

const route = routesOf<{ calls: string[] }>('Operations');
const calls: string[] = [];

const routes = [
  route({
    method: 'put', path: '/things/:id', operationId: 'changeThing',
    summary: 'A change', description: 'For this test.',
    auth: 'token',
    params: idParams,
    query: z.object({ dry: z.enum(['yes', 'no']).optional() }),
    load: ({ params }, deps) => {
      deps.calls.push(`load ${params.id}`);
      if (params.id === 404) throw notFound();
      if (params.id === 403) throw forbidden();
      return { owner: 'ann' };
    },
    body: z.object({ name: z.string().min(2) }),
    success: { status: 200, description: 'Changed.' },
    handler: ({ params, body, loaded, query }) => ({ id: params.id, name: body.name, owner: loaded.owner, dry: query.dry ?? 'no' }),
  }),
  route({
    method: 'get', path: '/things', operationId: 'listThings',
    summary: 'A list', description: 'For this test.',
    auth: 'none',
    success: { status: 200, description: 'Listed.', paged: true },
    handler: () => ({ items: ['{"id":1}', '{"id":2}'], next: { after: 2 } }),
  }),
  route({
    method: 'get', path: '/text', operationId: 'text',
    summary: 'Text', description: 'For this test.',
    auth: 'none',
    success: { status: 201, description: 'Already JSON.' },
    handler: () => new JsonText('{"written":"by PostgreSQL"}'),
  }),
  route({
    method: 'put', path: '/pictures/:id', operationId: 'putPicture',
    summary: 'Bytes', description: 'For this test.',
    auth: 'none',
    params: idParams,
    accepts: ['image/*'],
    body: z.object({ never: z.string() }),
    success: { status: 200, description: 'Counted.' },
    handler: async ({ req }) => {
      let bytes = 0;
      for await (const chunk of req) bytes += (chunk as Buffer).length;
      return { bytes, type: req.headers['content-type'] };
    },
  }),
  route({
    method: 'delete', path: '/things/:id', operationId: 'deleteThing',
    summary: 'Gone', description: 'For this test.',
    auth: 'none',
    params: idParams,
    success: { status: 204, description: 'Deleted.' },
    handler: () => undefined,
  }),
];

const app = express();
app.use(jsonBody(1024));
mountRoutes(app, { routes, deps: { calls } }, async (req) => {
  if (req.headers.authorization !== 'good') throw unauthorized();
  return { user: { id: 1 } } as unknown as Caller;
});
app.use(errorHandler(createLogger('silent')));

const put = (id: string, body: object, token?: string) => {
  const req = request(app).put(`/things/${id}`);
  if (token) req.set('Authorization', token);
  return req.send(body);
};

describe('mounted routes', () => {
  beforeEach(() => {
    calls.length = 0;
  });

  test.each([
    ['no token, a bad id, a bad body', 401, undefined, 'abc', {}],
    ['a bad id and a bad body', 404, 'good', 'abc', {}],
    ['an id that does not percent-decode', 404, 'good', '%zz', {}],
    ['an unknown resource and a bad body', 404, 'good', '404', {}],
    ["someone else's resource and a bad body", 403, 'good', '403', {}],
    ['only a bad body', 422, 'good', '7', { name: 'x' }],
  ])('when a request has %s, then the first failing check answers %i', async (_case, status, token, id, body) => {
    const res = await put(id, body, token);
    expect(res.status).toBe(status);
    expect(res.body.success).toBe(false);
  });

  test('when the path id is malformed, then nothing is loaded', async () => {
    await put('0', { name: 'xy' }, 'good');
    expect(calls).toEqual([]);
  });

  test('when every check passes, then the handler gets the parsed params, query, loaded resource and body', async () => {
    const res = await request(app).put('/things/7?dry=yes').set('Authorization', 'good').send({ name: 'new', extra: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 7, name: 'new', owner: 'ann', dry: 'yes' });
    expect(calls).toEqual(['load 7']);
    expect((await request(app).put('/things/7?dry=maybe').set('Authorization', 'good').send({ name: 'new' })).status).toBe(422);
  });

  test('when a route accepts image bytes, then its handler reads them from the stream, past the JSON size limit', async () => {
    const res = await request(app).put('/pictures/1').set('Content-Type', 'image/png').send(Buffer.alloc(5000, 1));
    expect(res.body).toEqual({ bytes: 5000, type: 'image/png' });
  });

  test('when a route does not accept an upload, then 415 before its body is looked at', async () => {
    const image = await request(app).put('/things/7').set('Authorization', 'good').set('Content-Type', 'image/png').send(Buffer.alloc(10));
    expect(image.status).toBe(415);
    const form = await request(app).put('/things/7').set('Authorization', 'good').field('name', 'xy');
    expect(form.status).toBe(415);
    expect((await request(app).put('/things/7').set('Authorization', 'good').set('Content-Type', 'text/plain').send('x')).status).toBe(415);
  });

  test('when a route is paged, then its items are one JSON array and Link points at the next page', async () => {
    const res = await request(app).get('/things?limit=2');
    expect(res.text).toBe('[{"id":1},{"id":2}]');
    expect(res.headers.link).toMatch(/\/things\?limit=2&after=2>; rel="next"$/);
  });

  test('when a handler answers JSON text, or a 204, then it is sent as it is', async () => {
    const text = await request(app).get('/text');
    expect(text.status).toBe(201);
    expect(text.headers['content-type']).toMatch(/^application\/json/);
    expect(text.text).toBe('{"written":"by PostgreSQL"}');
    const gone = await request(app).delete('/things/3');
    expect(gone.status).toBe(204);
    expect(gone.text).toBe('');
  });
});

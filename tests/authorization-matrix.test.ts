import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { startTestApp, type TestApp } from './helpers/app';
import { PASSWORD, registerAndLogin, type RegisteredUser, storedJwtSecret } from './helpers/users';

/**
 * Every route that acts for a user × every kind of caller → the contract's status. Each cell
 * gets fresh users and resources, so no cell depends on another.
 */

let t: TestApp;
let secret: string;
beforeAll(async () => {
  t = await startTestApp();
  secret = await storedJwtSecret(t);
});
afterAll(() => t.close());

interface World {
  owner: RegisteredUser;
  other: RegisteredUser;
  imageId: number;
  campaignId: number;
}

const campaign = { campaignName: 'Matrix', categories: 'Games', description: 'd', monetaryGoal: 1000, duration: 30, country: 'USA' };

interface Route {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: (w: World) => string;
  body?: (caller: RegisteredUser) => object;
  /** Status for the owner; for someone else, when the route acts on the owner's resource. */
  owner: number;
  other?: number;
}

const routes: Route[] = [
  ...['/api/images', '/images'].flatMap((base): Route[] => [
    { method: 'get', path: () => base, owner: 200 },
    { method: 'post', path: () => base, body: () => ({ url: 'https://example.com/new.png' }), owner: 201 },
    { method: 'get', path: (w) => `${base}/${w.imageId}`, owner: 200, other: 404 },
    { method: 'put', path: (w) => `${base}/${w.imageId}`, body: () => ({ url: 'https://example.com/b.jpg' }), owner: 200, other: 404 },
    { method: 'patch', path: (w) => `${base}/${w.imageId}`, body: () => ({ caption: 'c' }), owner: 200, other: 404 },
    { method: 'delete', path: (w) => `${base}/${w.imageId}`, owner: 204, other: 404 },
  ]),
  ...['/api/images/uploads', '/images/signed-url'].map((path): Route => ({ method: 'post', path: () => path, body: () => ({ fileName: 'a.png' }), owner: 201 })),
  { method: 'post', path: () => '/api/kickstarter', body: () => campaign, owner: 201 },
  { method: 'post', path: (w) => `/api/kickstarter/user/${w.owner.id}`, body: () => campaign, owner: 201, other: 403 },
  { method: 'put', path: (w) => `/api/kickstarter/${w.campaignId}`, body: () => campaign, owner: 200, other: 403 },
  { method: 'patch', path: (w) => `/api/kickstarter/${w.campaignId}`, body: () => ({ duration: 10 }), owner: 200, other: 403 },
  { method: 'delete', path: (w) => `/api/kickstarter/${w.campaignId}`, owner: 204, other: 403 },
  { method: 'get', path: () => '/api/users', owner: 200 },
  { method: 'get', path: () => '/api/auth', owner: 200 },
  { method: 'get', path: (w) => `/api/users/${w.owner.id}`, owner: 200 },
  { method: 'get', path: (w) => `/api/auth/${w.owner.id}`, owner: 200 },
  { method: 'get', path: () => '/api/users/me', owner: 200 },
  { method: 'patch', path: () => '/api/users/me', body: () => ({ name: 'Matrix Name' }), owner: 200 },
  { method: 'post', path: () => '/api/auth/logout', owner: 204 },
  {
    method: 'put',
    path: (w) => `/api/auth/update/${w.owner.id}`,
    body: (caller) => ({ password: 'a new password', current_password: caller.password }),
    owner: 200,
    other: 403,
  },
  { method: 'delete', path: (w) => `/api/auth/delete/${w.owner.id}`, body: (caller) => ({ password: caller.password }), owner: 204, other: 403 },
];

async function buildWorld(): Promise<World> {
  const owner = await registerAndLogin(t);
  const other = await registerAndLogin(t);
  const image = await t.http().post('/api/images').set('Authorization', owner.token).send({ url: 'https://example.com/a.png' });
  const created = await t.http().post('/api/kickstarter').set('Authorization', owner.token).send(campaign);
  if (image.status !== 201 || created.status !== 201) throw new Error('could not build the world');
  return { owner, other, imageId: image.body.id, campaignId: created.body.id };
}

const sign = (payload: object, options: jwt.SignOptions, key: string = secret) =>
  jwt.sign(payload, key, { jwtid: randomUUID(), ...options });

/** A caller kind: the Authorization header it sends (undefined: none) and whom it acts as. */
const callers: Record<string, (w: World) => Promise<{ header?: string; as: RegisteredUser }>> = {
  'the owner': async (w) => ({ header: `Bearer ${w.owner.token}`, as: w.owner }),
  'another user': async (w) => ({ header: w.other.token, as: w.other }),
  'no token': async (w) => ({ as: w.owner }),
  'a malformed token': async (w) => ({ header: 'Bearer abc.def.ghi', as: w.owner }),
  'an expired token': async (w) => ({
    header: sign({ ver: 0, username: w.owner.username }, { algorithm: 'HS256', subject: String(w.owner.id), expiresIn: -60 }),
    as: w.owner,
  }),
  'another algorithm': async (w) => ({
    header: sign({ ver: 0, username: w.owner.username }, { algorithm: 'HS384', subject: String(w.owner.id), expiresIn: 3600 }),
    as: w.owner,
  }),
  'alg none': async (w) => ({
    header: jwt.sign({ ver: 0, sub: String(w.owner.id), jti: randomUUID() }, '', { algorithm: 'none' }),
    as: w.owner,
  }),
  'a logged-out token': async (w) => {
    await t.http().post('/api/auth/logout').set('Authorization', w.owner.token).expect(204);
    return { header: w.owner.token, as: w.owner };
  },
  'a token from before a password change': async (w) => {
    await t
      .http()
      .put(`/api/auth/update/${w.owner.id}`)
      .set('Authorization', w.owner.token)
      .send({ password: 'changed password', current_password: PASSWORD })
      .expect(200);
    return { header: w.owner.token, as: { ...w.owner, password: 'changed password' } };
  },
  'a deleted user': async (w) => {
    await t.http().delete(`/api/auth/delete/${w.owner.id}`).set('Authorization', w.owner.token).send({ password: PASSWORD }).expect(204);
    return { header: w.owner.token, as: w.owner };
  },
};

const cases = routes.flatMap((route) =>
  Object.keys(callers)
    .map((callerName) => {
      const expected = callerName === 'the owner' ? route.owner : callerName === 'another user' ? route.other : 401;
      return { route, callerName, expected };
    })
    .filter((c): c is { route: Route; callerName: string; expected: number } => c.expected !== undefined),
);

describe('authorization matrix', () => {
  test.each(cases.map((c) => [`${c.route.method.toUpperCase()} ${c.route.path({ owner: { id: ':owner' }, imageId: ':image', campaignId: ':campaign' } as unknown as World)}`, c.callerName, c.expected, c]))(
    '%s as %s → %i',
    async (_name, callerName, expected, c) => {
      const world = await buildWorld();
      const { header, as } = await callers[callerName as string]!(world);
      const req = t.http()[c.route.method](c.route.path(world));
      if (header !== undefined) req.set('Authorization', header);
      const res = await req.send(c.route.body?.(as) ?? {});
      expect(res.status).toBe(expected);
      if (expected === 401) expect(res.headers['www-authenticate']).toBe('Bearer');
      if (expected >= 400) expect(res.body.success).toBe(false);
    },
  );
});

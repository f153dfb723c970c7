import { startTestApp, type TestApp } from '../helpers/app';
import { registerAndLogin, type RegisteredUser } from '../helpers/users';

let t: TestApp;
let owner: RegisteredUser;
let stranger: RegisteredUser;
beforeAll(async () => {
  t = await startTestApp();
  owner = await registerAndLogin(t);
  stranger = await registerAndLogin(t);
});
afterAll(() => t.close());

const MOUNTS = ['/api/images', '/images'];
const bearer = (user: RegisteredUser) => `Bearer ${user.token}`;

async function createImage(user: RegisteredUser, body: object, mount = '/api/images') {
  const res = await t.http().post(mount).set('Authorization', bearer(user)).send(body);
  expect(res.status).toBe(201);
  return res.body as { id: number; user_id: number; data: Record<string, unknown>; created_at: string; updated_at: string };
}

/** The path and query of a `Link: <…>; rel="next"` header. */
function nextPath(link: string | undefined): string | undefined {
  if (link === undefined) return undefined;
  const url = new URL(/^<([^>]+)>; rel="next"$/.exec(link)![1]!);
  return url.pathname + url.search;
}

const expectNotFound = (res: { status: number; body: unknown }) => {
  expect(res.status).toBe(404);
  expect(res.body).toEqual({ success: false, message: 'Not Found.' });
};

describe.each(MOUNTS)('images at %s', (mount) => {
  test('when an image is created, read, replaced, patched and deleted, then each answers as the contract says', async () => {
    const created = await t
      .http()
      .post(mount)
      .set('Authorization', bearer(owner))
      .send({ data: { url: 'https://example.com/cat.png', caption: 'A cat' } });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['created_at', 'data', 'id', 'metrics', 'updated_at', 'user_id']);
    expect(created.body).toMatchObject({
      user_id: owner.id,
      data: { url: 'https://example.com/cat.png', type: 'image/png', caption: 'A cat' },
    });
    expect(new Date(created.body.created_at).toISOString()).toBe(created.body.created_at);
    const url = `${mount}/${created.body.id}`;

    const read = await t.http().get(url).set('Authorization', bearer(owner));
    expect(read.status).toBe(200);
    expect({ ...read.body, metrics: null }).toEqual(created.body);

    const replaced = await t.http().put(url).set('Authorization', bearer(owner)).send({ url: 'https://example.com/dog.gif' });
    expect(replaced.status).toBe(200);
    expect(replaced.body.data).toEqual({ url: 'https://example.com/dog.gif', type: 'image/gif' });
    expect(replaced.body.id).toBe(created.body.id);
    expect(replaced.body.created_at).toBe(created.body.created_at);
    expect(Date.parse(replaced.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));

    const patched = await t.http().patch(url).set('Authorization', bearer(owner)).send({ data: { title: 'Rex' } });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toEqual({ url: 'https://example.com/dog.gif', type: 'image/gif', title: 'Rex' });

    const deleted = await t.http().delete(url).set('Authorization', bearer(owner));
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectNotFound(await t.http().get(url).set('Authorization', bearer(owner)));
    expectNotFound(await t.http().delete(url).set('Authorization', bearer(owner)));
  });

  test('when the token comes raw, as the Kickstarter client sends it, then it works too', async () => {
    const res = await t.http().post(mount).set('Authorization', owner.token).send({ url: 'https://example.com/raw.webp' });
    expect(res.status).toBe(201);
    expect((await t.http().get(`${mount}/${res.body.id}`).set('Authorization', owner.token)).status).toBe(200);
  });

  test.each([
    ['GET', ''],
    ['POST', ''],
    ['GET', '/1'],
    ['PUT', '/1'],
    ['PATCH', '/1'],
    ['DELETE', '/1'],
  ])('when %s …%s has no token, then 401', async (method, path) => {
    const res = await t.http()[method.toLowerCase() as 'get'](`${mount}${path}`).send({ url: 'https://example.com/a.png' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body).toEqual({ success: false, message: 'Invalid Login or Token Expired.' });
  });

  test('when another user reads, replaces, patches or deletes my image, then 404 as for an unknown id, and it is unchanged', async () => {
    const image = await createImage(owner, { url: 'https://example.com/private.jpg', note: 'mine' }, mount);
    const url = `${mount}/${image.id}`;
    const as = (user: RegisteredUser) => bearer(user);
    expectNotFound(await t.http().get(url).set('Authorization', as(stranger)));
    expectNotFound(await t.http().put(url).set('Authorization', as(stranger)).send({ url: 'https://evil.example/x.png' }));
    expectNotFound(await t.http().patch(url).set('Authorization', as(stranger)).send({ note: 'theirs' }));
    expectNotFound(await t.http().delete(url).set('Authorization', as(stranger)));
    // An invalid body does not tell the stranger the image exists either.
    expectNotFound(await t.http().put(url).set('Authorization', as(stranger)).send({ url: 'not a url' }));
    expectNotFound(await t.http().patch(url).set('Authorization', as(stranger)).send({ url: 'not a url' }));

    const still = await t.http().get(url).set('Authorization', as(owner));
    expect(still.status).toBe(200);
    // Only the measurements may have arrived meanwhile (the URL is fetched in the background).
    expect({ ...still.body, metrics: null }).toEqual({ ...image, metrics: null });
  });

  test.each(['0', '-1', 'abc', '1.5', '99999999999999999999', '2147483648'])(
    'when the path id is %s, then 404 on every verb',
    async (id) => {
      const url = `${mount}/${id}`;
      expectNotFound(await t.http().get(url).set('Authorization', bearer(owner)));
      expectNotFound(await t.http().put(url).set('Authorization', bearer(owner)).send({ url: 'https://example.com/a.png' }));
      expectNotFound(await t.http().patch(url).set('Authorization', bearer(owner)).send({ caption: 'x' }));
      expectNotFound(await t.http().delete(url).set('Authorization', bearer(owner)));
    },
  );

  test('when an unknown id is replaced or patched with an invalid body, then 404 comes before 422', async () => {
    const url = `${mount}/2147483647`;
    expectNotFound(await t.http().put(url).set('Authorization', bearer(owner)).send({}));
    expectNotFound(await t.http().patch(url).set('Authorization', bearer(owner)).send({ url: 5 }));
  });
});

describe('the image list', () => {
  let lister: RegisteredUser;
  let mine: number[];
  beforeAll(async () => {
    lister = await registerAndLogin(t);
    mine = [];
    for (let i = 0; i < 5; i += 1) {
      mine.push((await createImage(lister, { url: `https://example.com/${i}.png` })).id);
      await createImage(stranger, { url: `https://example.com/theirs-${i}.png` });
    }
  });

  test.each(MOUNTS)('when I list %s, then only my images, in ascending id, and no Link', async (mount) => {
    const res = await t.http().get(mount).set('Authorization', bearer(lister));
    expect(res.status).toBe(200);
    expect(res.body.map((image: { id: number }) => image.id)).toEqual(mine);
    expect(res.body.every((image: { user_id: number }) => image.user_id === lister.id)).toBe(true);
    expect(res.headers.link).toBeUndefined();
  });

  test('when a user has no images, then an empty array', async () => {
    const nobody = await registerAndLogin(t);
    const res = await t.http().get('/images').set('Authorization', bearer(nobody));
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  test.each(MOUNTS)('when paging %s with limit and after, then Link rel=next walks every page on the same mount', async (mount) => {
    const seen: number[] = [];
    let next: string | undefined = `${mount}?limit=2`;
    while (next) {
      const res = await t.http().get(next).set('Authorization', bearer(lister));
      expect(res.status).toBe(200);
      seen.push(...res.body.map((image: { id: number }) => image.id));
      next = nextPath(res.headers.link);
      if (next) expect(next).toMatch(new RegExp(`^${mount}\\?limit=2&after=\\d+$`));
    }
    expect(seen).toEqual(mine);
  });

  test('when paging by page number, then the pages follow each other', async () => {
    const first = await t.http().get('/api/images?limit=2&page=1').set('Authorization', bearer(lister));
    const third = await t.http().get('/api/images?limit=2&page=3').set('Authorization', bearer(lister));
    expect(first.body.map((image: { id: number }) => image.id)).toEqual(mine.slice(0, 2));
    expect(first.headers.link).toMatch(/[?&]page=2>; rel="next"$/);
    expect(third.body.map((image: { id: number }) => image.id)).toEqual(mine.slice(4));
    expect(third.headers.link).toBeUndefined();
  });

  test.each([['limit=0'], ['limit=101'], ['page=0'], ['after=-1'], ['page=1&after=2'], ['limit=abc']])(
    'when the query is %s, then 422',
    async (query) => {
      const res = await t.http().get(`/api/images?${query}`).set('Authorization', bearer(lister));
      expect(res.status).toBe(422);
      expect(res.body.success).toBe(false);
      expect(Object.keys(res.body.errors).length).toBeGreaterThan(0);
    },
  );

  test('when my account is deleted, then my images go with it', async () => {
    const leaving = await registerAndLogin(t);
    const image = await createImage(leaving, { url: 'https://example.com/bye.png' });
    await t.knex('users').where({ id: leaving.id }).del();
    expect(await t.knex('images').where({ id: image.id }).first()).toBeUndefined();
  });
});

import { startTestApp, type TestApp } from '../helpers/app';
import { registerAndLogin, type RegisteredUser } from '../helpers/users';

let t: TestApp;
let user: RegisteredUser;
let other: RegisteredUser;
beforeAll(async () => {
  t = await startTestApp();
  user = await registerAndLogin(t);
  other = await registerAndLogin(t);
});
afterAll(() => t.close());

type ImageBody = { id: number; user_id: number; data: Record<string, unknown>; created_at: string; updated_at: string };

const post = (body: unknown) => t.http().post('/api/images').set('Authorization', user.token).send(body as object);
const put = (id: number, body: unknown) => t.http().put(`/api/images/${id}`).set('Authorization', user.token).send(body as object);
const patch = (id: number, body: unknown) => t.http().patch(`/api/images/${id}`).set('Authorization', user.token).send(body as object);
/** The image as GET answers it, but for its measurements, which arrive in the background whenever they do. */
const read = async (id: number) => ({ ...(await t.http().get(`/api/images/${id}`).set('Authorization', user.token)).body, metrics: null }) as ImageBody;

async function create(body: unknown): Promise<ImageBody> {
  const res = await post(body);
  expect(res.status).toBe(201);
  return res.body as ImageBody;
}

const expectInvalid = (res: { status: number; body: Record<string, unknown> }, errors: Record<string, string[]>) => {
  expect(res.status).toBe(422);
  expect(res.body).toEqual({ success: false, message: 'The given data was invalid.', errors });
};

const URL_INVALID = ['The url must be a valid http or https URL.'];
const TYPE_INVALID = [
  'The type must be one of: image/png, image/jpeg, image/gif, image/webp, image/svg+xml, image/avif, image/bmp, image/tiff.',
];

describe('the two body forms', () => {
  test('when the body has a data object, then that object is the data, kept as given, and the rest of the body is ignored', async () => {
    const data = { url: 'https://example.com/a.png', id: 'unsplash-42', tags: ['cat', 'cute'], exif: { iso: 200 }, flag: null };
    const image = await create({ data, id: 999999, user_id: other.id, caption: 'outside data' });
    expect(image.id).not.toBe(999999);
    expect(image.user_id).toBe(user.id);
    expect(image.data).toEqual({ ...data, type: 'image/png' });
  });

  test('when the body is the data itself, then id, user_id, created_at and updated_at are dropped and everything else kept', async () => {
    const image = await create({
      url: 'https://example.com/b.jpeg',
      caption: 'Flat',
      uploader: { name: 'Ada', at: 1 },
      id: 999999,
      user_id: other.id,
      created_at: '2000-01-01T00:00:00.000Z',
      updated_at: '2000-01-01T00:00:00.000Z',
    });
    expect(image.id).not.toBe(999999);
    expect(image.user_id).toBe(user.id);
    expect(image.created_at).not.toBe('2000-01-01T00:00:00.000Z');
    expect(image.data).toEqual({ url: 'https://example.com/b.jpeg', type: 'image/jpeg', caption: 'Flat', uploader: { name: 'Ada', at: 1 } });
  });

  test.each([[['not', 'an', 'object']], ['text'], [null], [42]])(
    'when data is %j, not an object, then the body itself is the data',
    async (value) => {
      const image = await create({ url: 'https://example.com/c.gif', data: value });
      expect(image.data).toEqual({ url: 'https://example.com/c.gif', type: 'image/gif', data: value });
    },
  );

  test('when there is no body at all, then 422 on url', async () => {
    expectInvalid(await t.http().post('/images').set('Authorization', user.token), { url: ['The url field is required.'] });
  });

  test('when the text is not ASCII, then it comes back as sent', async () => {
    const image = await create({ url: 'https://example.com/ünïcödé.png', caption: 'Grüße 😀 日本' });
    expect(image.data).toMatchObject({ url: 'https://example.com/ünïcödé.png', caption: 'Grüße 😀 日本', type: 'image/png' });
  });
});

describe('url', () => {
  test.each([
    ['missing', { caption: 'no url' }, ['The url field is required.']],
    ['null', { url: null }, ['The url must be a string.']],
    ['a number', { url: 42 }, ['The url must be a string.']],
    ['an object', { url: { href: 'https://example.com/a.png' } }, ['The url must be a string.']],
    ['empty', { url: '' }, ['The url field is required.']],
    ['blank', { url: '   ' }, ['The url field is required.']],
    ['not a URL', { url: 'not a url' }, URL_INVALID],
    ['relative', { url: '/images/a.png' }, URL_INVALID],
    ['ftp', { url: 'ftp://example.com/a.png' }, URL_INVALID],
    ['javascript:', { url: 'javascript:alert(1)' }, URL_INVALID],
    ['data:', { url: 'data:image/png;base64,iVBORw0KGgo=' }, URL_INVALID],
    ['http: without slashes', { url: 'http:example.com/a.png' }, URL_INVALID],
    ['a scheme with no host', { url: 'https://' }, URL_INVALID],
    ['longer than 2048 characters', { url: `https://example.com/${'a'.repeat(2029)}` }, ['The url may not be greater than 2048 characters.']],
  ])('when the url is %s, then 422', async (_case, body, messages) => {
    expectInvalid(await post(body), { url: messages });
    expectInvalid(await post({ data: body }), { url: messages });
  });

  test('when the url is exactly 2048 characters, then it is accepted', async () => {
    const url = `https://example.com/${'a'.repeat(2024)}.png`;
    expect(url).toHaveLength(2048);
    expect((await create({ url })).data.url).toBe(url);
  });

  test('when the url is http or has surrounding spaces, then it is accepted, trimmed', async () => {
    expect((await create({ url: '  HTTP://example.com/a.png  ' })).data).toEqual({ url: 'HTTP://example.com/a.png', type: 'image/png' });
  });
});

describe('type', () => {
  test.each(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml', 'image/avif', 'image/bmp', 'image/tiff'])(
    'when the type is %s, then it is kept, whatever the extension says',
    async (type) => {
      expect((await create({ url: 'https://example.com/photo.png', type })).data.type).toBe(type);
    },
  );

  test.each([['image/jpg'], ['IMAGE/PNG'], ['text/html'], ['application/pdf'], [''], [5], [['image/png']]])(
    'when the type is %j, then 422 on type',
    async (type) => {
      expectInvalid(await post({ url: 'https://example.com/a.png', type }), { type: TYPE_INVALID });
    },
  );

  test.each([
    ['https://example.com/a.png', 'image/png'],
    ['https://example.com/a.PNG', 'image/png'],
    ['https://example.com/a.jpg', 'image/jpeg'],
    ['https://example.com/a.jpeg', 'image/jpeg'],
    ['https://example.com/a.JFIF', 'image/jpeg'],
    ['https://example.com/a.gif', 'image/gif'],
    ['https://example.com/a.webp', 'image/webp'],
    ['https://example.com/a.svg', 'image/svg+xml'],
    ['https://example.com/a.avif', 'image/avif'],
    ['https://example.com/a.bmp', 'image/bmp'],
    ['https://example.com/a.tif', 'image/tiff'],
    ['https://example.com/a.tiff', 'image/tiff'],
    ['https://example.com/dir.d/photo.min.webp?w=100&f=x.png#top.gif', 'image/webp'],
    ['https://example.com/a%20b.png', 'image/png'],
  ])('when the type is absent and the url is %s, then the type is %s', async (url, type) => {
    expect((await create({ url })).data).toEqual({ url, type });
    expect((await create({ url, type: null })).data).toEqual({ url, type });
  });

  test.each([
    ['no extension', 'https://example.com/photo'],
    ['a trailing slash', 'https://example.com/photo.png/'],
    ['an unknown extension', 'https://example.com/photo.txt'],
    ['an extension in the query only', 'https://example.com/render?file=a.png'],
    ['an extension in the fragment only', 'https://example.com/render#a.png'],
    ['a dot in the host only', 'https://cdn.png'],
    ['a name like a built-in', 'https://example.com/a.constructor'],
  ])('when the type is absent and the url has %s, then the data has no type', async (_case, url) => {
    const image = await create({ url, caption: 'x' });
    expect(image.data).toEqual({ url, caption: 'x' });
    expect('type' in image.data).toBe(false);
  });
});

describe('the size and content of data', () => {
  const url = 'https://example.com/no-extension';
  /** Data whose JSON is exactly `bytes` long. */
  const dataOfSize = (bytes: number) => {
    const data = { url, pad: 'x'.repeat(bytes - JSON.stringify({ url, pad: '' }).length) };
    expect(Buffer.byteLength(JSON.stringify(data))).toBe(bytes);
    return data;
  };

  test('when data is exactly 16,384 bytes of JSON, then it is stored', async () => {
    expect((await post(dataOfSize(16_384))).status).toBe(201);
  });

  test('when data is 16,385 bytes of JSON, then 422 on data, in either body form', async () => {
    const errors = { data: ['The data may not be greater than 16384 bytes of JSON.'] };
    expectInvalid(await post(dataOfSize(16_385)), errors);
    expectInvalid(await post({ data: dataOfSize(16_385) }), errors);
  });

  test('when the size is counted, then it is bytes, not characters', async () => {
    const data = { url, pad: 'é'.repeat(8200) };
    expect(JSON.stringify(data).length).toBeLessThan(16_384);
    expect(Buffer.byteLength(JSON.stringify(data))).toBeGreaterThan(16_384);
    expectInvalid(await post(data), { data: ['The data may not be greater than 16384 bytes of JSON.'] });
  });

  test('when the inferred type pushes data over the cap, then 422', async () => {
    const base = { url: 'https://example.com/a.png', pad: '' };
    const room = 16_384 - JSON.stringify(base).length;
    const data = { ...base, pad: 'x'.repeat(room) };
    expect(Buffer.byteLength(JSON.stringify(data))).toBe(16_384);
    expectInvalid(await post(data), { data: ['The data may not be greater than 16384 bytes of JSON.'] });
  });

  test('when every field is wrong at once, then every error is reported', async () => {
    const res = await post({ url: 'ftp://example.com/a.png', type: 'image/jpg', pad: 'x'.repeat(17_000) });
    expectInvalid(res, { url: URL_INVALID, type: TYPE_INVALID, data: ['The data may not be greater than 16384 bytes of JSON.'] });
  });

  const nested = (levels: number): unknown => {
    let value: unknown = {};
    for (let i = 1; i < levels; i += 1) value = { n: value };
    return value;
  };

  test('when data is nested 64 levels deep, then it is stored', async () => {
    expect((await post({ url, n: nested(63) })).status).toBe(201);
  });

  test('when data is nested 65 levels deep, then 422', async () => {
    expectInvalid(await post({ url, n: nested(64) }), { data: ['The data may not be nested more than 64 levels deep.'] });
  });

  test('when data is nested thousands of levels deep, then 422, not a stack overflow', async () => {
    const levels = 5000;
    const raw = `{"url":"${url}","n":${'{"n":'.repeat(levels)}{}${'}'.repeat(levels)}}`;
    const res = await t.http().post('/api/images').set('Authorization', user.token).set('Content-Type', 'application/json').send(raw);
    expectInvalid(res, { data: ['The data may not be nested more than 64 levels deep.'] });
  });

  test.each([
    ['a NUL character in a value', { caption: 'a\u0000b' }],
    ['a NUL character in a key', { ['key\u0000']: 1 }],
    ['an unpaired high surrogate', { caption: 'x\ud800' }],
    ['an unpaired low surrogate', { tags: ['\udc00y'] }],
  ])('when data has %s, then 422 on data, not a database error', async (_case, extra) => {
    expectInvalid(await post({ url, ...extra }), { data: ['The data may not contain NUL characters or unpaired surrogates.'] });
  });
});

describe('PUT replaces the data', () => {
  const dataOfSizeOver = () => ({ url: 'https://example.com/a.png', pad: 'x'.repeat(16_384) });

  test('when an image is replaced, then keys it no longer has are gone and the type is inferred anew', async () => {
    const image = await create({ url: 'https://example.com/a.png', caption: 'old', tags: ['x'] });
    const res = await put(image.id, { data: { url: 'https://example.com/b.svg', title: 'new' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ url: 'https://example.com/b.svg', type: 'image/svg+xml', title: 'new' });
  });

  test('when the new data is invalid, then 422 with every error and the image is unchanged', async () => {
    const image = await create({ url: 'https://example.com/a.png' });
    expectInvalid(await put(image.id, { type: 'image/jpg' }), { url: ['The url field is required.'], type: TYPE_INVALID });
    expectInvalid(await put(image.id, dataOfSizeOver()), { data: ['The data may not be greater than 16384 bytes of JSON.'] });
    expect(await read(image.id)).toEqual(image);
  });
});

describe('PATCH merges into the data', () => {
  test('when keys are patched, then they are set, the others kept, and nested values replaced whole', async () => {
    const image = await create({ url: 'https://example.com/a.png', caption: 'old', exif: { iso: 100, f: 2.8 }, keep: true });
    const res = await patch(image.id, { caption: 'new', exif: { iso: 200 }, added: [1, 2] });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      url: 'https://example.com/a.png',
      type: 'image/png',
      caption: 'new',
      exif: { iso: 200 },
      keep: true,
      added: [1, 2],
    });
  });

  test('when the patch is in the data form, then the data object is merged', async () => {
    const image = await create({ url: 'https://example.com/a.png' });
    const res = await patch(image.id, { data: { caption: 'wrapped' }, caption: 'ignored' });
    expect(res.body.data).toEqual({ url: 'https://example.com/a.png', type: 'image/png', caption: 'wrapped' });
  });

  test('when a flat patch sends id, user_id or timestamps, then they are dropped', async () => {
    const image = await create({ url: 'https://example.com/a.png' });
    const res = await patch(image.id, { id: 1, user_id: other.id, created_at: '2000-01-01T00:00:00.000Z', caption: 'x' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: image.id, user_id: user.id, created_at: image.created_at });
    expect(res.body.data).toEqual({ url: 'https://example.com/a.png', type: 'image/png', caption: 'x' });
  });

  test('when the patch changes the url, then the type is inferred from the new url', async () => {
    const image = await create({ url: 'https://example.com/a.png' });
    expect((await patch(image.id, { url: 'https://example.com/b.jpg' })).body.data).toEqual({ url: 'https://example.com/b.jpg', type: 'image/jpeg' });
  });

  test('when the patch changes the url to one without an extension, then the old type goes', async () => {
    const image = await create({ url: 'https://example.com/a.png', type: 'image/webp' });
    expect((await patch(image.id, { url: 'https://example.com/b' })).body.data).toEqual({ url: 'https://example.com/b' });
  });

  test('when the patch changes the url and names a type, then that type is kept', async () => {
    const image = await create({ url: 'https://example.com/a.png' });
    const res = await patch(image.id, { url: 'https://example.com/b.jpg', type: 'image/avif' });
    expect(res.body.data).toEqual({ url: 'https://example.com/b.jpg', type: 'image/avif' });
  });

  test('when the patch leaves the url as it is, then an explicit type stays', async () => {
    const image = await create({ url: 'https://example.com/a.png', type: 'image/webp' });
    expect((await patch(image.id, { caption: 'x' })).body.data).toEqual({ url: 'https://example.com/a.png', type: 'image/webp', caption: 'x' });
    expect((await patch(image.id, { url: 'https://example.com/a.png' })).body.data.type).toBe('image/webp');
  });

  test('when the patch sets type to null, then the type is inferred again', async () => {
    const image = await create({ url: 'https://example.com/a.png', type: 'image/webp' });
    expect((await patch(image.id, { type: null })).body.data).toEqual({ url: 'https://example.com/a.png', type: 'image/png' });
  });

  test('when the patch is empty, then the data is unchanged', async () => {
    const image = await create({ url: 'https://example.com/a.png', caption: 'x' });
    const res = await patch(image.id, {});
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(image.data);
  });

  test('when the merged data breaks a rule, then 422 and the image is unchanged', async () => {
    const image = await create({ url: 'https://example.com/a.png', caption: 'x' });
    expectInvalid(await patch(image.id, { url: 'ftp://example.com/a.png' }), { url: URL_INVALID });
    expectInvalid(await patch(image.id, { url: null }), { url: ['The url must be a string.'] });
    expectInvalid(await patch(image.id, { type: 'image/x-icon' }), { type: TYPE_INVALID });
    expectInvalid(await patch(image.id, { pad: 'x'.repeat(16_384) }), { data: ['The data may not be greater than 16384 bytes of JSON.'] });
    expect(await read(image.id)).toEqual(image);
  });

  test('when two patches race, then neither change is lost', async () => {
    const image = await create({ url: 'https://example.com/a.png' });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => patch(image.id, { [`key${i}`]: i })),
    );
    expect(results.map((res) => res.status)).toEqual(Array(6).fill(200));
    const { data } = await read(image.id);
    for (let i = 0; i < 6; i += 1) expect(data[`key${i}`]).toBe(i);
  });
});

describe('the list, whose JSON PostgreSQL writes', () => {
  test('when the data holds nesting, unicode, escapes and numbers of every kind, then each list item is the image its own GET answers', async () => {
    const owner = await registerAndLogin(t);
    const datas = [
      { url: 'https://example.com/a.png', caption: 'Say "hi" \\ tab\t new\n line \u0001 Ünïcödé 😀 \u2028 </script>' },
      { url: 'https://example.com/b.jpg', numbers: [0, -1, 1.5, 1e-7, 123456789012, 2.5e20], deep: { a: [{ b: [null, true, false, {}] }] } },
      { url: 'https://example.com/c', type: 'image/webp', '': 'empty key', 'key with "quotes"': 1 },
    ];
    for (const data of datas) {
      const res = await t.http().post('/api/images').set('Authorization', owner.token).send({ data });
      expect(res.status).toBe(201);
    }
    const list = await t.http().get('/api/images').set('Authorization', owner.token);
    expect(list.status).toBe(200);
    const singles = await Promise.all(
      (list.body as ImageBody[]).map(async (image) => (await t.http().get(`/api/images/${image.id}`).set('Authorization', owner.token)).body),
    );
    // The measurements of these URLs arrive in the background, whenever they do: compared apart.
    const unmeasured = (images: ImageBody[]) => images.map((image) => ({ ...image, metrics: null }));
    expect(unmeasured(list.body)).toEqual(unmeasured(singles));
    expect((list.body as ImageBody[]).map((image) => image.data)).toEqual([{ ...datas[0], type: 'image/png' }, { ...datas[1], type: 'image/jpeg' }, datas[2]]);
  });
});

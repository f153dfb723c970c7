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

const VALID = {
  campaignName: 'Board game',
  categories: 'Games',
  description: 'A game about boards.',
  monetaryGoal: 5000,
  duration: 30,
  country: 'USA',
};

type Campaign = typeof VALID & { id: number; user_id: number; description: string | null; created_at: string; updated_at: string };

async function create(user: RegisteredUser = owner, body: object = VALID): Promise<Campaign> {
  const res = await t.http().post('/api/kickstarter').set('Authorization', `Bearer ${user.token}`).send(body);
  expect(res.status).toBe(201);
  return res.body as Campaign;
}

const as = (user: RegisteredUser) => `Bearer ${user.token}`;

const expectInvalid = (res: { status: number; body: Record<string, unknown> }, errors: Record<string, string[]>) => {
  expect(res.status).toBe(422);
  expect(res.body).toEqual({ success: false, message: 'The given data was invalid.', errors });
};

const NOT_YOURS = { success: false, message: 'You cannot change another user\'s campaign.' };
const NOT_FOUND = { success: false, message: 'Not Found.' };

describe('POST /api/kickstarter', () => {
  test('when a valid campaign is posted, then 201 with the camelCase object, owned by the caller', async () => {
    const res = await t.http().post('/api/kickstarter').set('Authorization', as(owner)).send(VALID);
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(
      [
        'average_backers', 'average_duration', 'average_over', 'campaignName', 'categories', 'category_average', 'category_success',
        'country', 'created_at', 'description', 'duration', 'id', 'monetaryGoal', 'prediction_results', 'raising_more_success',
        'results', 'updated_at', 'user_id',
      ],
    );
    expect(res.body).toMatchObject({ ...VALID, user_id: owner.id });
    expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);
    const row = await t.knex('kickstarter').where({ id: res.body.id }).first();
    expect(row).toMatchObject({ campaign_name: 'Board game', monetary_goal: 5000, user_id: owner.id });
  });

  test('when there is no token, or a bad one, then 401 and nothing is created', async () => {
    const before = await t.knex('kickstarter').count({ n: '*' }).first();
    for (const header of [undefined, 'Bearer nope', '[object Object]']) {
      const req = t.http().post('/api/kickstarter');
      const res = await (header === undefined ? req : req.set('Authorization', header)).send(VALID);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect(await t.knex('kickstarter').count({ n: '*' }).first()).toEqual(before);
  });

  test('when the body sets id, user_id or timestamps, then they are ignored', async () => {
    const res = await t.http().post('/api/kickstarter').set('Authorization', as(owner)).send({
      ...VALID,
      id: 999999,
      user_id: stranger.id,
      created_at: '2000-01-01T00:00:00.000Z',
      updated_at: '2000-01-01T00:00:00.000Z',
      admin: true,
    });
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe(999999);
    expect(res.body.user_id).toBe(owner.id);
    expect(res.body.created_at).not.toBe('2000-01-01T00:00:00.000Z');
    expect(res.body).not.toHaveProperty('admin');
  });

  test('when the texts have surrounding spaces and the numbers are strings of digits, then they are trimmed and converted', async () => {
    const campaign = await create(owner, {
      ...VALID,
      campaignName: '  Spaced  ',
      categories: ' Art ',
      country: '\tJAPAN\n',
      monetaryGoal: '100000000',
      duration: '060',
    });
    expect(campaign).toMatchObject({ campaignName: 'Spaced', categories: 'Art', country: 'JAPAN', monetaryGoal: 100_000_000, duration: 60 });
  });

  test('when description is left out or null, then it is null; the limits themselves are accepted', async () => {
    const { description: _omitted, ...withoutDescription } = VALID;
    expect((await create(owner, withoutDescription)).description).toBeNull();
    expect((await create(owner, { ...VALID, description: null })).description).toBeNull();
    const longest = await create(owner, {
      ...VALID,
      campaignName: 'n'.repeat(128),
      categories: 'c'.repeat(64),
      country: 'k'.repeat(64),
      description: 'd'.repeat(5000),
      monetaryGoal: 1,
      duration: 1,
    });
    expect(longest.description).toHaveLength(5000);
    expect(longest.campaignName).toHaveLength(128);
  });

  test('when the body is empty, then 422 with every required field at once', async () => {
    expectInvalid(await t.http().post('/api/kickstarter').set('Authorization', as(owner)).send({}), {
      campaignName: ['The campaign name field is required.'],
      categories: ['The categories field is required.'],
      monetaryGoal: ['The monetary goal field is required.'],
      duration: ['The duration field is required.'],
      country: ['The country field is required.'],
    });
  });

  const GOAL = ['The monetary goal must be a whole number from 1 to 100000000.'];
  const DURATION = ['The duration must be a whole number of days from 1 to 60.'];

  test.each([
    ['campaignName', '', ['The campaign name field is required.']],
    ['campaignName', '   ', ['The campaign name field is required.']],
    ['campaignName', null, ['The campaign name field is required.']],
    ['campaignName', 42, ['The campaign name must be a string.']],
    ['campaignName', ['a'], ['The campaign name must be a string.']],
    ['campaignName', 'n'.repeat(129), ['The campaign name may not be greater than 128 characters.']],
    ['campaignName', 'a\u0000b', ['The campaign name may not contain NUL characters or unpaired surrogates.']],
    ['categories', '', ['The categories field is required.']],
    ['categories', { name: 'Games' }, ['The categories must be a string.']],
    ['categories', 'c'.repeat(65), ['The categories may not be greater than 64 characters.']],
    ['country', ' ', ['The country field is required.']],
    ['country', true, ['The country must be a string.']],
    ['country', 'k'.repeat(65), ['The country may not be greater than 64 characters.']],
    ['country', 'US\u0000A', ['The country may not contain NUL characters or unpaired surrogates.']],
    ['description', 42, ['The description must be a string.']],
    ['description', 'd'.repeat(5001), ['The description may not be greater than 5000 characters.']],
    ['description', 'x\u0000', ['The description may not contain NUL characters or unpaired surrogates.']],
    ['monetaryGoal', 0, GOAL],
    ['monetaryGoal', -1, GOAL],
    ['monetaryGoal', 1.5, GOAL],
    ['monetaryGoal', 100_000_001, GOAL],
    ['monetaryGoal', 1e300, GOAL],
    ['monetaryGoal', '12abc', GOAL],
    ['monetaryGoal', '1.5', GOAL],
    ['monetaryGoal', '-5', GOAL],
    ['monetaryGoal', '1e5', GOAL],
    ['monetaryGoal', ' 12', GOAL],
    ['monetaryGoal', '', GOAL],
    ['monetaryGoal', '0', GOAL],
    ['monetaryGoal', '100000001', GOAL],
    ['monetaryGoal', '99999999999999999999', GOAL],
    ['monetaryGoal', '9'.repeat(400), GOAL],
    ['monetaryGoal', null, GOAL],
    ['monetaryGoal', true, GOAL],
    ['monetaryGoal', [100], GOAL],
    ['monetaryGoal', { amount: 100 }, GOAL],
    ['duration', 0, DURATION],
    ['duration', 61, DURATION],
    ['duration', '61', DURATION],
    ['duration', 30.5, DURATION],
    ['duration', '30 days', DURATION],
    ['duration', -30, DURATION],
    ['duration', 2 ** 31, DURATION],
  ])('when %s is %j, then 422 on that field only', async (field, value, messages) => {
    const res = await t.http().post('/api/kickstarter').set('Authorization', as(owner)).send({ ...VALID, [field]: value });
    expectInvalid(res, { [field]: messages });
  });

  test('when every field is wrong, then every error is reported at once', async () => {
    const res = await t
      .http()
      .post('/api/kickstarter')
      .set('Authorization', as(owner))
      .send({ campaignName: 1, categories: '', description: 2, monetaryGoal: 'lots', duration: 0, country: null });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.errors).sort()).toEqual(['campaignName', 'categories', 'country', 'description', 'duration', 'monetaryGoal']);
  });
});

describe('GET /api/kickstarter/:id', () => {
  test('when anyone reads a campaign, with no token or a junk one, then 200', async () => {
    const campaign = await create();
    for (const header of [undefined, '[object Object]', 'Bearer expired.or.bad', owner.token]) {
      const req = t.http().get(`/api/kickstarter/${campaign.id}`);
      const res = await (header === undefined ? req : req.set('Authorization', header));
      expect(res.status).toBe(200);
      expect(res.body).toEqual(campaign);
    }
  });

  test.each(['0', '-1', 'abc', '1.5', '1e3', '99999999999999999999', '2147483648', '2147483647'])(
    'when the id is %s, then 404',
    async (id) => {
      const res = await t.http().get(`/api/kickstarter/${id}`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual(NOT_FOUND);
    },
  );
});

describe('the lists, whose JSON PostgreSQL writes', () => {
  test('when texts hold quotes, backslashes, control characters and emoji, then each list item is byte for byte the JSON of the campaign\'s own GET', async () => {
    const author = await registerAndLogin(t);
    const tricky = ['Say "hi" \\ there', 'tab\tnew\nline\u0001\u007f', 'Ünïcödé 😀 \u2028 </script>'];
    for (const [i, text] of tricky.entries()) {
      const res = await t.http().post('/api/kickstarter').set('Authorization', author.token).send({ ...VALID, campaignName: text, description: i === 0 ? null : text, monetaryGoal: 100_000_000 - i });
      expect(res.status).toBe(201);
    }
    const list = await t.http().get(`/api/kickstarter/user/${author.id}`);
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(tricky.length);
    const singles = await Promise.all(list.body.map((item: { id: number }) => t.http().get(`/api/kickstarter/${item.id}`)));
    expect(list.text).toBe(`[${singles.map((single) => JSON.stringify(single.body)).join(',')}]`);
    expect(list.body.map((item: { campaignName: string }) => item.campaignName)).toEqual(tricky);
    expect(list.headers['content-type']).toBe('application/json; charset=utf-8');
  });
});

describe('PUT /api/kickstarter/:id', () => {
  test('when the owner replaces a campaign, then every field is set and an omitted description is cleared', async () => {
    const campaign = await create();
    const res = await t
      .http()
      .put(`/api/kickstarter/${campaign.id}`)
      .set('Authorization', as(owner))
      .send({ campaignName: 'Renamed', categories: 'Art', monetaryGoal: '7000', duration: 10, country: 'CHINA' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...campaign,
      campaignName: 'Renamed',
      categories: 'Art',
      description: null,
      monetaryGoal: 7000,
      duration: 10,
      country: 'CHINA',
      updated_at: expect.any(String),
    });
    expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(campaign.updated_at));
    expect((await t.http().get(`/api/kickstarter/${campaign.id}`)).body).toEqual(res.body);
  });

  test('when a required field is missing, then 422 naming it, and the campaign is unchanged', async () => {
    const campaign = await create();
    const res = await t.http().put(`/api/kickstarter/${campaign.id}`).set('Authorization', as(owner)).send({ campaignName: 'Only a name' });
    expectInvalid(res, {
      categories: ['The categories field is required.'],
      monetaryGoal: ['The monetary goal field is required.'],
      duration: ['The duration field is required.'],
      country: ['The country field is required.'],
    });
    expect((await t.http().get(`/api/kickstarter/${campaign.id}`)).body).toEqual(campaign);
  });

  test('when the body tries to move the campaign to another user or id, then that is ignored', async () => {
    const campaign = await create();
    const res = await t
      .http()
      .put(`/api/kickstarter/${campaign.id}`)
      .set('Authorization', as(owner))
      .send({ ...VALID, id: campaign.id + 1000, user_id: stranger.id, created_at: '2000-01-01T00:00:00.000Z' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: campaign.id, user_id: owner.id, created_at: campaign.created_at });
  });
});

describe('PATCH /api/kickstarter/:id', () => {
  test('when the owner patches some fields, then only those change', async () => {
    const campaign = await create();
    const res = await t.http().patch(`/api/kickstarter/${campaign.id}`).set('Authorization', as(owner)).send({ duration: '45', country: ' Japan ' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...campaign, duration: 45, country: 'Japan', updated_at: expect.any(String) });
  });

  test('when description is patched to null, then it is cleared; left out, it stays', async () => {
    const campaign = await create();
    const kept = await t.http().patch(`/api/kickstarter/${campaign.id}`).set('Authorization', as(owner)).send({ campaignName: 'New' });
    expect(kept.body.description).toBe(VALID.description);
    const cleared = await t.http().patch(`/api/kickstarter/${campaign.id}`).set('Authorization', as(owner)).send({ description: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ campaignName: 'New', description: null });
  });

  test('when the patch is empty, or holds only ignored fields, then 200 with the campaign unchanged', async () => {
    const campaign = await create();
    for (const body of [{}, { user_id: stranger.id, id: 1, updated_at: '2000-01-01T00:00:00.000Z' }]) {
      const res = await t.http().patch(`/api/kickstarter/${campaign.id}`).set('Authorization', as(owner)).send(body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(campaign);
    }
    const noBody = await t.http().patch(`/api/kickstarter/${campaign.id}`).set('Authorization', as(owner));
    expect(noBody.status).toBe(200);
    expect(noBody.body).toEqual(campaign);
  });

  test('when a patched field is invalid, then 422 on it, and nothing changes', async () => {
    const campaign = await create();
    const res = await t
      .http()
      .patch(`/api/kickstarter/${campaign.id}`)
      .set('Authorization', as(owner))
      .send({ campaignName: 'Fine', monetaryGoal: '12abc', categories: null });
    expectInvalid(res, {
      categories: ['The categories field is required.'],
      monetaryGoal: ['The monetary goal must be a whole number from 1 to 100000000.'],
    });
    expect((await t.http().get(`/api/kickstarter/${campaign.id}`)).body).toEqual(campaign);
  });
});

describe('DELETE /api/kickstarter/:id', () => {
  test('when the owner deletes a campaign, then 204, and it is gone', async () => {
    const campaign = await create();
    const res = await t.http().delete(`/api/kickstarter/${campaign.id}`).set('Authorization', as(owner));
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await t.http().get(`/api/kickstarter/${campaign.id}`)).status).toBe(404);
    expect((await t.http().delete(`/api/kickstarter/${campaign.id}`).set('Authorization', as(owner))).status).toBe(404);
  });

  test('when the owner\'s account is deleted, then their campaigns go with it', async () => {
    const leaving = await registerAndLogin(t);
    const campaign = await create(leaving);
    await t.knex('users').where({ id: leaving.id }).del();
    expect((await t.http().get(`/api/kickstarter/${campaign.id}`)).status).toBe(404);
  });
});

describe('who may change a campaign, and in which order the checks run: 401, 404, 403, 422', () => {
  let campaign: Campaign;
  beforeAll(async () => {
    campaign = await create();
  });

  const change = (method: 'put' | 'patch' | 'delete', id: number | string, user?: RegisteredUser, body: object = VALID) => {
    const req = t.http()[method](`/api/kickstarter/${id}`);
    return (user ? req.set('Authorization', user.token) : req).send(body);
  };

  test.each(['put', 'patch', 'delete'] as const)('when %s comes with no token, then 401, even for an unknown id or a bad body', async (method) => {
    for (const id of [campaign.id, 2147483647, 'abc']) {
      const res = await change(method, id, undefined, { monetaryGoal: 'x' });
      expect(res.status).toBe(401);
    }
  });

  test.each(['put', 'patch', 'delete'] as const)('when %s names an unknown id, then 404, even with a bad body', async (method) => {
    for (const body of [VALID, { monetaryGoal: 'x' }]) {
      const res = await change(method, 2147483647, stranger, body);
      expect(res.status).toBe(404);
      expect(res.body).toEqual(NOT_FOUND);
    }
  });

  test.each(['put', 'patch', 'delete'] as const)('when %s names a bad path id, then 404', async (method) => {
    for (const id of ['0', '-1', 'abc', '99999999999999999999']) {
      expect((await change(method, id, owner)).status).toBe(404);
    }
  });

  test.each(['put', 'patch', 'delete'] as const)('when another user tries %s, then 403, even with a bad or empty body, and nothing changes', async (method) => {
    for (const body of [VALID, { monetaryGoal: 'x' }, {}]) {
      const res = await change(method, campaign.id, stranger, body);
      expect(res.status).toBe(403);
      expect(res.body).toEqual(NOT_YOURS);
    }
    expect((await t.http().get(`/api/kickstarter/${campaign.id}`)).body).toEqual(campaign);
  });

  test.each(['put', 'patch'] as const)('when the owner sends %s with a bad body, then 422', async (method) => {
    expectInvalid(await change(method, campaign.id, owner, { ...VALID, duration: 0 }), {
      duration: ['The duration must be a whole number of days from 1 to 60.'],
    });
  });
});

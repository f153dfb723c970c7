import { startTestApp, type TestApp, uniqueUsername } from '../helpers/app';
import { registerAndLogin, type RegisteredUser } from '../helpers/users';

/**
 * Text PostgreSQL cannot store as given (a NUL character) or that has no UTF-8 form (an unpaired
 * surrogate) is refused by validation, with a 422 on the field that carries it, on every route
 * that takes text: never a 500 from the database.
 */

let t: TestApp;
let user: RegisteredUser;
beforeAll(async () => {
  t = await startTestApp();
  user = await registerAndLogin(t);
});
afterAll(() => t.close());

type Method = 'post' | 'patch' | 'put' | 'delete';
interface Case {
  method: Method;
  /** `:id` stands for the caller's id. */
  path: string;
  auth: boolean;
  body: (user: RegisteredUser) => Record<string, unknown>;
  fields: string[];
  /** Where the error is reported, when not under the field's own name. */
  errorKey?: string;
}

const register = () => ({ username: uniqueUsername('text'), name: 'Some Name', email: `${uniqueUsername('text')}@example.com`, password: 'password1', password_confirmation: 'password1' });
const campaign = { campaignName: 'Dice', categories: 'Games', description: 'Roll', monetaryGoal: 100, duration: 10, country: 'USA' };

const CASES: Case[] = [
  { method: 'post', path: '/api/auth/login', auth: false, body: (u) => ({ username: u.username, password: 'whatever1' }), fields: ['username', 'password'] },
  { method: 'post', path: '/api/login', auth: false, body: () => ({ email: 'someone@example.com', password: 'whatever1' }), fields: ['email'] },
  { method: 'post', path: '/api/auth/register', auth: false, body: register, fields: ['username', 'name', 'email', 'password'] },
  { method: 'post', path: '/api/register', auth: false, body: register, fields: ['name', 'email'] },
  { method: 'patch', path: '/api/users/me', auth: true, body: () => ({ name: 'New Name' }), fields: ['name', 'email', 'username'] },
  { method: 'put', path: '/api/auth/update/:id', auth: true, body: (u) => ({ password: 'password2', current_password: u.password }), fields: ['password', 'current_password', 'username'] },
  { method: 'delete', path: '/api/auth/delete/:id', auth: true, body: () => ({ password: 'x' }), fields: ['password'] },
  { method: 'post', path: '/api/images', auth: true, body: () => ({ url: 'https://example.com/a.png' }), fields: ['url'] },
  { method: 'post', path: '/images', auth: true, body: () => ({ url: 'https://example.com/a.png' }), fields: ['caption'], errorKey: 'data' },
  { method: 'post', path: '/api/kickstarter', auth: true, body: () => campaign, fields: ['campaignName', 'categories', 'description', 'country'] },
  { method: 'post', path: '/api/kickstarter/user/:id', auth: true, body: () => campaign, fields: ['campaignName'] },
];

const MESSAGE = /may not contain NUL characters or unpaired surrogates/;

describe.each([
  ['a NUL character', 'a\u0000b'],
  ['an unpaired high surrogate', 'ab\ud800'],
  ['an unpaired low surrogate', '\udc00ab'],
])('text with %s', (_case, bad) => {
  test.each(CASES.flatMap((c) => c.fields.map((field) => [c.method.toUpperCase(), c.path, field, c] as const)))(
    'when %s %s gets it in %s, then 422 on that field',
    async (_method, _path, field, c) => {
      const req = t.http()[c.method](c.path.replace(':id', String(user.id)));
      if (c.auth) req.set('Authorization', `Bearer ${user.token}`);
      const res = await req.send({ ...c.body(user), [field]: `${field === 'email' ? 'x@example.com' : 'text'}${bad}` });
      expect(res.status).toBe(422);
      const messages: string[] = res.body.errors[c.errorKey ?? field] ?? [];
      expect(messages.some((message) => MESSAGE.test(message))).toBe(true);
    },
  );
});

// A query string is percent-encoded UTF-8, which has no unpaired surrogates; a NUL it can carry.
test('when a list filter has a NUL character, then 422 on that filter', async () => {
  const res = await t.http().get('/api/kickstarter?categories=Games%00&country=US');
  expect(res.status).toBe(422);
  expect(res.body.errors.categories[0]).toMatch(MESSAGE);
});

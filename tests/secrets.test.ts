import { findSecrets } from './helpers/secrets';
import { startTestApp } from './helpers/app';

describe('the secret walker every test response goes through', () => {
  test('when a body carries a password key or a bcrypt hash at any depth, then it is found', () => {
    const legacyHash = '$2a$10$1E8f0RFjlf30c2CL0SRD5eSWJ6EcSvAI5lTsq.GyLacwT8/2iZQkm';
    expect(findSecrets({ id: 1, password: 'x' })).toEqual(['$.password: password-like key']);
    expect(findSecrets([{ user: { password_hash: 'y' } }])).toEqual(['$.0.user.password_hash: password-like key']);
    expect(findSecrets({ data: [{ note: `leaked ${legacyHash}` }] })).toEqual(['$.data.0.note: bcrypt hash']);
    expect(findSecrets({ id: 1, username: 'admin', email: null })).toEqual([]);
    expect(findSecrets({ success: false, errors: { password: ['The password field is required.'] } })).toEqual([]);
    const hash = '$2b$04$' + 'a'.repeat(53);
    expect(findSecrets({ openapi: '3.1.0', paths: { x: { password: { type: 'string' } } } })).toEqual([]);
    expect(findSecrets({ openapi: '3.1.0', paths: { x: { example: hash } } })).toEqual(['$.paths.x.example: bcrypt hash']);
  });

  test('when an app response would leak a hash, then the test client fails the request', async () => {
    const t = await startTestApp();
    try {
      const hash = (await import('bcryptjs')).default.hashSync('password1', 4);
      // A username cannot hold a hash through the API; write one directly to prove the check bites.
      const registered = await t.http().post('/api/register').send({ username: 'leaky', password: 'password1' });
      await t.knex('users').where({ id: registered.body.id }).update({ name: hash });
      const login = t.http().post('/api/login').send({ username: 'leaky', password: 'password1' });
      await expect(login).rejects.toThrow(/leaked a secret/);
    } finally {
      await t.close();
    }
  });
});

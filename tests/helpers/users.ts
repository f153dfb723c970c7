import type { TestApp } from './app';
import { uniqueUsername } from './app';

export const PASSWORD = 'correct horse battery';

export interface RegisteredUser {
  id: number;
  username: string;
  password: string;
  token: string;
}

/** Registers a user through the API and logs them in. */
export async function registerAndLogin(testApp: TestApp, fields: Record<string, unknown> = {}): Promise<RegisteredUser> {
  const username = (fields.username as string | undefined) ?? uniqueUsername();
  const password = (fields.password as string | undefined) ?? PASSWORD;
  const registered = await testApp.http().post('/api/auth/register').send({ ...fields, username, password });
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${JSON.stringify(registered.body)}`);
  const login = await testApp.http().post('/api/auth/login').send({ username, password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return { id: registered.body.id, username, password, token: login.body.token };
}

/** The JWT signing key the app generated into its database (no JWT_SECRET in tests), to forge tokens with. */
export async function storedJwtSecret(testApp: TestApp): Promise<string> {
  return (await testApp.knex('app_settings').where({ key: 'jwt_secret' }).first()).value;
}

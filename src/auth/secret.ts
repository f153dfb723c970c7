import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from '../logger';

const SETTING_KEY = 'jwt_secret';

/**
 * The configured JWT secret, or, outside production, one generated once and kept in the
 * database so that restarts and every instance sign and verify with the same key.
 */
export async function resolveJwtSecret(knex: Knex, configured: string | undefined, logger: Logger): Promise<string> {
  if (configured !== undefined) return configured;
  // Whichever instance inserts first wins; the others read its secret.
  await knex('app_settings')
    .insert({ key: SETTING_KEY, value: randomBytes(48).toString('base64url') })
    .onConflict('key')
    .ignore();
  const { value } = await knex('app_settings').select('value').where({ key: SETTING_KEY }).first();
  logger.warn('JWT_SECRET is not set: using a generated secret stored in the database (set JWT_SECRET in production)');
  return value as string;
}

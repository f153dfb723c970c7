import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { queryRows, sql } from '../db';
import type { User } from '../users/service';
import type { TokenClaims } from './tokens';

/**
 * The auth columns of the users table (the hash, the token version) are read here only, beside
 * the user's own fields; a hash leaves this file as `passwordHash`, for bcrypt, and nowhere else.
 */
const USER_FIELDS = ['id', 'username', 'name', 'email', 'created_at', 'updated_at'];

export interface Credentials {
  user: User;
  passwordHash: string;
  tokenVersion: number;
}

/**
 * An account with what checking its password and issuing a token need. A username must come
 * normalised (`normalizeUsername`), an email lower-cased as stored.
 */
export async function findCredentials(
  knex: Knex,
  identifier: { id: number } | { username: string } | { email: string },
): Promise<Credentials | undefined> {
  const query = knex('users').select([...USER_FIELDS, 'password_hash', 'token_version']).first();
  if ('id' in identifier) query.where('id', identifier.id);
  else if ('username' in identifier) query.whereRaw('lower(username) = ?', [identifier.username]);
  else query.where('email', identifier.email);
  const row = await query;
  if (!row) return undefined;
  const { password_hash: passwordHash, token_version: tokenVersion, ...user } = row;
  return { user: user as User, passwordHash, tokenVersion };
}

/**
 * Sets a new password hash and bumps the token version in the same statement, so every token
 * issued before (even within the same second) stops working.
 */
export async function updatePasswordHash(
  knex: Knex,
  id: number,
  passwordHash: string,
): Promise<{ user: User; tokenVersion: number } | undefined> {
  const [row] = await knex('users')
    .where({ id })
    .update({ password_hash: passwordHash, token_version: knex.raw('token_version + 1'), updated_at: knex.fn.now() })
    .returning([...USER_FIELDS, 'token_version']);
  if (!row) return undefined;
  const { token_version: tokenVersion, ...user } = row;
  return { user: user as User, tokenVersion };
}

export interface TokenHolder {
  user: User;
  tokenVersion: number;
  revoked: boolean;
}

/**
 * The user a token names and whether that very token was logged out: one indexed query per
 * authenticated request, as a prepared statement (`queryRows`).
 */
export async function findTokenHolder(knex: Knex, userId: number, jti: string): Promise<TokenHolder | undefined> {
  const [row] = await queryRows<User & { token_version: number; revoked: boolean }>(
    knex,
    sql`select ${sql.raw(USER_FIELDS.join(', '))}, token_version,
          exists (select 1 from revoked_tokens r where r.jti = ${jti}) as revoked
        from users where id = ${userId}`,
  );
  if (!row) return undefined;
  const { token_version: tokenVersion, revoked, ...user } = row;
  return { user, tokenVersion, revoked };
}

/** Records a logged-out token until the moment it would have expired anyway. */
export async function revokeToken(knex: Knex, claims: TokenClaims): Promise<void> {
  await knex('revoked_tokens')
    .insert({ jti: claims.jti, user_id: claims.userId, expires_at: claims.expiresAt })
    .onConflict('jti')
    .ignore();
}

/** Forgets revocations of tokens that have expired: their signature check refuses them already. */
export async function purgeExpiredRevocations(knex: Knex): Promise<number> {
  return knex('revoked_tokens').where('expires_at', '<', knex.fn.now()).del();
}

const SECRET_SETTING = 'jwt_secret';

/**
 * The generated JWT secret every instance shares (outside production, when JWT_SECRET is unset):
 * whichever instance inserts first wins; the others read its secret.
 */
export async function sharedJwtSecret(knex: Knex): Promise<string> {
  await knex('app_settings')
    .insert({ key: SECRET_SETTING, value: randomBytes(48).toString('base64url') })
    .onConflict('key')
    .ignore();
  const { value } = await knex('app_settings').select('value').where({ key: SECRET_SETTING }).first();
  return value as string;
}

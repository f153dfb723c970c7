import type { Knex } from 'knex';
import { queryRows } from '../db';
import { fetchPage, type Page, type PageQuery } from '../http/pagination';

/** A user as the application sees it: never with the password hash. */
export interface User {
  id: number;
  username: string | null;
  name: string | null;
  email: string | null;
  /** ISO-8601 (src/timestamps.ts). */
  created_at: string;
  updated_at: string;
}

export interface NewUser {
  username: string | null;
  name: string | null;
  email: string | null;
  passwordHash: string;
}

export type UniqueField = 'username' | 'email';

const USER_COLUMNS = ['id', 'username', 'name', 'email', 'created_at', 'updated_at'] as const;

/** Which unique index guards which field, to report a lost race as "already taken". */
export const UNIQUE_INDEX_FIELDS: Record<string, UniqueField> = {
  users_username_lower_unique: 'username',
  users_email_unique: 'email',
};

export async function insertUser(knex: Knex, user: NewUser): Promise<User> {
  const [row] = await knex('users')
    .insert({ username: user.username, name: user.name, email: user.email, password_hash: user.passwordHash })
    .returning(USER_COLUMNS);
  return row as User;
}

export async function findUserById(knex: Knex, id: number): Promise<User | undefined> {
  return knex('users').select(USER_COLUMNS).where({ id }).first();
}

export function listUsers(knex: Knex, pageQuery: PageQuery): Promise<Page<User>> {
  return fetchPage<User>(knex, { select: `select ${USER_COLUMNS.join(', ')} from users` }, pageQuery);
}

export interface ProfileChanges {
  name?: string | null;
  email?: string | null;
}

export async function updateUserProfile(knex: Knex, id: number, changes: ProfileChanges): Promise<User | undefined> {
  const [row] = await knex('users')
    .where({ id })
    .update({ ...changes, updated_at: knex.fn.now() })
    .returning(USER_COLUMNS);
  return row as User | undefined;
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
    .returning([...USER_COLUMNS, 'token_version']);
  if (!row) return undefined;
  const { token_version: tokenVersion, ...user } = row;
  return { user: user as User, tokenVersion };
}

/** Deletes the user; their images, campaigns and revoked tokens go with them (ON DELETE CASCADE). */
export async function deleteUser(knex: Knex, id: number): Promise<boolean> {
  return (await knex('users').where({ id }).del()) > 0;
}

/** The fields among `username` and `email` that another account already uses. */
export async function findTakenFields(
  knex: Knex,
  candidate: { username: string | null; email: string | null },
): Promise<UniqueField[]> {
  if (candidate.username === null && candidate.email === null) return [];
  const rows: Array<{ username: string | null; email: string | null }> = await knex('users')
    .select('username', 'email')
    .where((query) => {
      if (candidate.username !== null) query.orWhereRaw('lower(username) = lower(?)', [candidate.username]);
      if (candidate.email !== null) query.orWhere('email', candidate.email);
    });
  const taken = new Set<UniqueField>();
  for (const row of rows) {
    if (candidate.username !== null && row.username?.toLowerCase() === candidate.username.toLowerCase()) {
      taken.add('username');
    }
    if (candidate.email !== null && row.email === candidate.email) taken.add('email');
  }
  return [...taken];
}

export interface Credentials {
  user: User;
  passwordHash: string;
  tokenVersion: number;
}

/**
 * An account with what checking its password and issuing a token need: for the auth service only.
 * A username must come normalised (`normalizeUsername`), an email lower-cased as stored.
 */
export async function findCredentials(
  knex: Knex,
  identifier: { id: number } | { username: string } | { email: string },
): Promise<Credentials | undefined> {
  const query = knex('users').select([...USER_COLUMNS, 'password_hash', 'token_version']).first();
  if ('id' in identifier) query.where('id', identifier.id);
  else if ('username' in identifier) query.whereRaw('lower(username) = ?', [identifier.username]);
  else query.where('email', identifier.email);
  const row = await query;
  if (!row) return undefined;
  const { password_hash: passwordHash, token_version: tokenVersion, ...user } = row;
  return { user: user as User, passwordHash, tokenVersion };
}

export interface TokenHolder {
  user: User;
  tokenVersion: number;
  revoked: boolean;
}

// A prepared statement (`queryRows`): this runs on every authenticated request.
const TOKEN_HOLDER_SQL = `
  select u.id, u.username, u.name, u.email, u.created_at, u.updated_at, u.token_version,
         exists (select 1 from revoked_tokens r where r.jti = $1) as revoked
  from users u
  where u.id = $2`;

/**
 * The user a token names and whether that very token was logged out: one indexed query per
 * authenticated request.
 */
export async function findTokenHolder(knex: Knex, userId: number, jti: string): Promise<TokenHolder | undefined> {
  const [row] = await queryRows<User & { token_version: number; revoked: boolean }>(knex, TOKEN_HOLDER_SQL, [jti, userId]);
  if (!row) return undefined;
  const { token_version: tokenVersion, revoked, ...user } = row;
  return { user, tokenVersion, revoked };
}

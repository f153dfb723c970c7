import type { Knex } from 'knex';
import { isoTimestampSql, type Page, type PageQuery, readPage, sql } from '../db';

/** A user as the application sees it: never with the password hash. */
export interface User {
  id: number;
  username: string | null;
  name: string | null;
  email: string | null;
  /** ISO-8601 (src/db/timestamps.ts). */
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

/** A page of users as `viewerId` sees them: every email but the viewer's own is null. */
export function listUsers(knex: Knex, viewerId: number, pageQuery: PageQuery): Promise<Page> {
  const select = sql`select id, username, name, case when id = ${viewerId} then email end as email, ${sql.raw(
    `${isoTimestampSql('created_at')}, ${isoTimestampSql('updated_at')}`,
  )} from users`;
  return readPage(knex, { select }, pageQuery);
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

import type { Knex } from 'knex';
import { uniqueViolation } from '../db';
import { forbidden, invalidData, unauthorized } from '../http/errors';
import { messages } from '../http/validation';
import {
  findTakenFields,
  insertUser,
  type NewUser,
  type ProfileChanges,
  UNIQUE_INDEX_FIELDS,
  type UniqueField,
  updateUserProfile,
  type User,
} from './model';

export const USERNAME_IMMUTABLE_MESSAGE = 'You cannot change the username.';

const alreadyTaken = (fields: UniqueField[]) =>
  invalidData(Object.fromEntries(fields.map((field) => [field, [messages.taken(field)]])));

/**
 * Runs a write that may collide on a unique index: both fields are checked first, so that both
 * can be reported, and the index still decides a race (its violation becomes the same 422).
 */
async function withUniqueFields<T>(
  knex: Knex,
  candidate: { username: string | null; email: string | null },
  write: () => Promise<T>,
): Promise<T> {
  const taken = await findTakenFields(knex, candidate);
  if (taken.length > 0) throw alreadyTaken(taken);
  try {
    return await write();
  } catch (error) {
    const field = UNIQUE_INDEX_FIELDS[uniqueViolation(error) ?? ''];
    if (field) throw alreadyTaken([field]);
    throw error;
  }
}

/** Whether `requested` names the account's own username (case ignored), as the contract allows. */
export function isSameUsername(user: User, requested: string | null | undefined): boolean {
  if (requested === undefined) return true;
  if (requested === null || user.username === null) return requested === user.username;
  return requested.toLowerCase() === user.username.toLowerCase();
}

export function createUsersService(knex: Knex) {
  return {
    /** `passwordHash` is computed only once the username and email are known to be free. */
    create(user: Omit<NewUser, 'passwordHash'>, hashPassword: () => Promise<string>): Promise<User> {
      return withUniqueFields(knex, user, async () => insertUser(knex, { ...user, passwordHash: await hashPassword() }));
    },

    async updateProfile(user: User, changes: ProfileChanges & { username?: string | null }): Promise<User> {
      const { username, ...profile } = changes;
      if (!isSameUsername(user, username)) throw forbidden(USERNAME_IMMUTABLE_MESSAGE);
      if (profile.email === null && user.username === null) {
        throw invalidData({ email: ['The email field is required when username is not present.'] });
      }
      if (profile.name === undefined && profile.email === undefined) return user;
      const newEmail = profile.email === undefined || profile.email === user.email ? null : profile.email;
      const updated = await withUniqueFields(knex, { username: null, email: newEmail }, () =>
        updateUserProfile(knex, user.id, profile),
      );
      // Authenticated a moment ago but deleted since: the token no longer names anyone.
      if (!updated) throw unauthorized();
      return updated;
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;

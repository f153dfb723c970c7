import type { Knex } from 'knex';
import { type PageQuery, uniqueViolation } from '../db';
import { forbidden, invalidData, unauthorized } from '../http/errors';
import { messages } from '../http/validation';
import type { EmailDomainCheck } from './email-domains';
import {
  deleteUser,
  findTakenFields,
  findUserById,
  insertUser,
  listUsers,
  UNIQUE_INDEX_FIELDS,
  type UniqueField,
  updateUserProfile,
  type User,
} from './model';
import type { ProfileInput, RegisterInput } from './schemas';

// What other features may use of users: the user, its view and the rules of its fields.
export type { User } from './model';
export {
  MAX_EMAIL_LENGTH,
  MAX_PASSWORD_BYTES,
  MAX_USERNAME_LENGTH,
  normalizeUsername,
  passwordField,
  requireOneOf,
  userSchema,
  viewUser,
} from './schemas';

export const USERNAME_IMMUTABLE_MESSAGE = 'You cannot change the username.';

const alreadyTaken = (fields: UniqueField[]) =>
  invalidData(Object.fromEntries(fields.map((field) => [field, [messages.taken(field)]])));

/** Whether `requested` names the account's own username (case ignored), as the contract allows. */
export function isSameUsername(user: User, requested: string | null | undefined): boolean {
  if (requested === undefined) return true;
  if (requested === null || user.username === null) return requested === user.username;
  return requested.toLowerCase() === user.username.toLowerCase();
}

export interface UsersServiceDeps {
  knex: Knex;
  hashPassword(password: string): Promise<string>;
  /** EMAIL_CHECK_DNS: whether an address's domain accepts mail. */
  checkEmailDomain?: EmailDomainCheck;
}

export function createUsersService({ knex, hashPassword, checkEmailDomain }: UsersServiceDeps) {
  /**
   * Runs a write that may collide on a unique index: a new email's domain is checked first
   * (EMAIL_CHECK_DNS), then both fields, so that both can be reported, and the index still
   * decides a race (its violation becomes the same 422).
   */
  async function withUniqueFields<T>(candidate: { username: string | null; email: string | null }, write: () => Promise<T>) {
    if (candidate.email !== null && checkEmailDomain && !(await checkEmailDomain(candidate.email))) {
      throw invalidData({ email: ['The email domain does not accept mail.'] });
    }
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

  return {
    /** The password is hashed only once the username and email are known to be free. */
    register(input: RegisterInput): Promise<User> {
      const user = { username: input.username ?? null, email: input.email ?? null, name: input.name ?? null };
      return withUniqueFields(user, async () => insertUser(knex, { ...user, passwordHash: await hashPassword(input.password) }));
    },

    find: (id: number): Promise<User | undefined> => findUserById(knex, id),

    /** A page of users as `viewerId` sees them, as JSON texts. */
    list: (viewerId: number, pageQuery: PageQuery) => listUsers(knex, viewerId, pageQuery),

    async updateProfile(user: User, changes: ProfileInput): Promise<User> {
      const { username, ...profile } = changes;
      if (!isSameUsername(user, username)) throw forbidden(USERNAME_IMMUTABLE_MESSAGE);
      if (profile.email === null && user.username === null) {
        throw invalidData({ email: ['The email field is required when username is not present.'] });
      }
      if (profile.name === undefined && profile.email === undefined) return user;
      const newEmail = profile.email === undefined || profile.email === user.email ? null : profile.email;
      const updated = await withUniqueFields({ username: null, email: newEmail }, () => updateUserProfile(knex, user.id, profile));
      // Authenticated a moment ago but deleted since: the token no longer names anyone.
      if (!updated) throw unauthorized();
      return updated;
    },

    /** Deletes the user; their images, campaigns and revoked tokens go with them. */
    remove: (id: number): Promise<boolean> => deleteUser(knex, id),
  };
}

export type UsersService = ReturnType<typeof createUsersService>;

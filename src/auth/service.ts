import type { Knex } from 'knex';
import { uniqueViolation } from '../db';
import { INVALID_CREDENTIALS_MESSAGE, invalidData, unauthorized } from '../http/errors';
import { messages } from '../http/validation';
import {
  findLoginCandidate,
  findTakenFields,
  insertUser,
  UNIQUE_INDEX_FIELDS,
  type UniqueField,
  type User,
} from '../users/model';
import type { Passwords } from './passwords';
import type { LoginInput, RegisterInput } from './schemas';
import type { IssuedToken, Tokens } from './tokens';

export interface AuthServiceDeps {
  knex: Knex;
  passwords: Passwords;
  tokens: Tokens;
}

const alreadyTaken = (fields: UniqueField[]) =>
  invalidData(Object.fromEntries(fields.map((field) => [field, [messages.taken(field)]])));

export function createAuthService({ knex, passwords, tokens }: AuthServiceDeps) {
  return {
    async register(input: RegisterInput): Promise<User> {
      const candidate = { username: input.username ?? null, email: input.email ?? null };
      // Reports both fields when both are taken; the unique indexes below still decide races.
      const taken = await findTakenFields(knex, candidate);
      if (taken.length > 0) throw alreadyTaken(taken);

      const passwordHash = await passwords.hash(input.password);
      try {
        return await insertUser(knex, { ...candidate, name: input.name ?? null, passwordHash });
      } catch (error) {
        const field = UNIQUE_INDEX_FIELDS[uniqueViolation(error) ?? ''];
        if (field) throw alreadyTaken([field]);
        throw error;
      }
    },

    /** Same 401, in about the same time, for an unknown account and a wrong password. */
    async login(input: LoginInput): Promise<{ user: User; token: IssuedToken }> {
      const identifier = input.username ? { username: input.username } : { email: input.email ?? '' };
      const candidate = await findLoginCandidate(knex, identifier);
      const valid = await passwords.verify(input.password, candidate?.passwordHash);
      if (!candidate || !valid) throw unauthorized(INVALID_CREDENTIALS_MESSAGE);
      const token = tokens.issue({ ...candidate.user, tokenVersion: candidate.tokenVersion });
      return { user: candidate.user, token };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

/** How a greeting names a user: the username, else the name, else the email. */
export const displayName = (user: User) => user.username ?? user.name ?? user.email ?? '';

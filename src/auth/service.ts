import type { Knex } from 'knex';
import { forbidden, INVALID_CREDENTIALS_MESSAGE, invalidData, unauthorized } from '../http/errors';
import { isSameUsername, type User, USERNAME_IMMUTABLE_MESSAGE, type UsersService } from '../users/service';
import { type LoginThrottle, type PasswordAttempt, throttleSubject } from './login-throttle';
import { findCredentials, purgeExpiredRevocations, revokeToken, updatePasswordHash } from './model';
import type { Passwords } from './passwords';
import type { ChangePasswordInput, LoginInput } from './schemas';
import type { IssuedToken, TokenClaims, Tokens } from './tokens';

export interface AuthServiceDeps {
  knex: Knex;
  passwords: Passwords;
  tokens: Tokens;
  users: UsersService;
  throttle: LoginThrottle;
}

export function createAuthService({ knex, passwords, tokens, users, throttle }: AuthServiceDeps) {
  /**
   * Checks the caller's current password, counted like a login: a wrong one is a 422 on `field`
   * and a failed attempt for the account.
   */
  function confirmCurrentPassword(caller: User, password: string, clientIp: string, field: string, message: string) {
    return throttle.guard(clientIp, throttleSubject({ userId: caller.id }), async (): Promise<PasswordAttempt<void>> => {
      const credentials = await findCredentials(knex, { id: caller.id });
      return (await passwords.verify(password, credentials?.passwordHash))
        ? { ok: true, value: undefined }
        : { ok: false, error: invalidData({ [field]: [message] }) };
    });
  }

  return {
    /**
     * Same 401, in about the same time, for an unknown account and a wrong password. The account
     * is looked up first, so that failures are counted per account however it was named.
     */
    async login(input: LoginInput, clientIp: string): Promise<{ user: User; token: IssuedToken }> {
      const identifier = input.username ? { username: input.username } : { email: input.email ?? '' };
      const credentials = await findCredentials(knex, identifier);
      const subject = throttleSubject(credentials ? { userId: credentials.user.id } : identifier);
      return throttle.guard(clientIp, subject, async () => {
        const valid = await passwords.verify(input.password, credentials?.passwordHash);
        if (!credentials || !valid) return { ok: false, error: unauthorized(INVALID_CREDENTIALS_MESSAGE) };
        const token = tokens.issue({ ...credentials.user, tokenVersion: credentials.tokenVersion });
        return { ok: true, value: { user: credentials.user, token } };
      });
    },

    async logout(claims: TokenClaims): Promise<void> {
      await revokeToken(knex, claims);
      await purgeExpiredRevocations(knex);
    },

    /** Needs the current password; every earlier token dies, and a fresh one is returned. */
    async changePassword(caller: User, input: ChangePasswordInput, clientIp: string): Promise<{ user: User; token: IssuedToken }> {
      if (!isSameUsername(caller, input.username)) throw forbidden(USERNAME_IMMUTABLE_MESSAGE);
      await confirmCurrentPassword(caller, input.current_password, clientIp, 'current_password', 'The current password is incorrect.');
      const changed = await updatePasswordHash(knex, caller.id, await passwords.hash(input.password));
      if (!changed) throw unauthorized();
      return { user: changed.user, token: tokens.issue({ ...changed.user, tokenVersion: changed.tokenVersion }) };
    },

    /** Needs the current password; the user's images, campaigns and tokens go with them. */
    async deleteAccount(caller: User, password: string, clientIp: string): Promise<void> {
      await confirmCurrentPassword(caller, password, clientIp, 'password', 'The password is incorrect.');
      await users.remove(caller.id);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

/** How a greeting names a user: the username, else the name, else the email. */
export const displayName = (user: User) => user.username ?? user.name ?? user.email ?? '';

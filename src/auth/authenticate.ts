import type { Request } from 'express';
import type { Knex } from 'knex';
import { unauthorized } from '../http/errors';
import type { Authenticate } from '../http/mount';
import type { User } from '../users/service';
import { findTokenHolder } from './model';
import { tokenFromHeader, type TokenClaims, type Tokens } from './tokens';

declare module '../http/routes' {
  interface Caller {
    user: User;
    claims: TokenClaims;
  }
}

/**
 * The per-request token check the mounter runs for routes that need a token: a valid token whose
 * user still exists, whose password has not changed since it was issued, and which was not
 * logged out, all checked by one query.
 */
export function createAuthenticate(knex: Knex, tokens: Tokens): Authenticate {
  return async (req: Request) => {
    const token = tokenFromHeader(req.headers.authorization);
    const claims = token === undefined ? undefined : tokens.verify(token);
    if (!claims) throw unauthorized();
    const holder = await findTokenHolder(knex, claims.userId, claims.jti);
    if (!holder || holder.revoked || holder.tokenVersion !== claims.tokenVersion) throw unauthorized();
    return { user: holder.user, claims };
  };
}

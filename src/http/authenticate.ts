import type { Request, RequestHandler } from 'express';
import type { Knex } from 'knex';
import { tokenFromHeader, type TokenClaims, type Tokens } from '../auth/tokens';
import { findTokenHolder, type User } from '../users/model';
import { unauthorized } from './errors';

export interface Authenticated {
  user: User;
  claims: TokenClaims;
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: Authenticated;
  }
}

/**
 * Requires a valid token whose user still exists, whose password has not changed since it was
 * issued, and which was not logged out: all checked by one query.
 */
export function authenticate(knex: Knex, tokens: Tokens): RequestHandler {
  return async (req, _res, next) => {
    const token = tokenFromHeader(req.headers.authorization);
    const claims = token === undefined ? undefined : tokens.verify(token);
    if (!claims) throw unauthorized();
    const holder = await findTokenHolder(knex, claims.userId, claims.jti);
    if (!holder || holder.revoked || holder.tokenVersion !== claims.tokenVersion) throw unauthorized();
    req.auth = { user: holder.user, claims };
    next();
  };
}

/** The caller of a route behind `authenticate`. */
export function caller(req: Request): Authenticated {
  if (!req.auth) throw unauthorized();
  return req.auth;
}

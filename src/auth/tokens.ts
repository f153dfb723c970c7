import { createSecretKey, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { isValidId } from '../http/validation';

const ALGORITHM = 'HS256';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** `sub` as `issue` writes it: the id in decimal, no sign, no leading zero. */
const SUBJECT = /^[1-9]\d{0,9}$/;
/** The header and claims `issue` writes, and so the only ones a token of ours has. */
const HEADER_KEYS = new Set(['alg', 'typ']);
const CLAIM_KEYS = new Set(['sub', 'username', 'ver', 'jti', 'iat', 'exp']);

const onlyKeys = (object: object, allowed: Set<string>) => Object.keys(object).every((key) => allowed.has(key));
const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** What a valid token says about its holder. */
export interface TokenClaims {
  userId: number;
  /** The holder's token version when it was issued; a password change bumps it. */
  tokenVersion: number;
  jti: string;
  expiresAt: Date;
}

export interface IssuedToken {
  token: string;
  expiresInSeconds: number;
}

export interface Tokens {
  issue(user: { id: number; username: string | null; tokenVersion: number }): IssuedToken;
  /** The claims of a correctly signed, unexpired HS256 token of ours, or undefined for anything else. */
  verify(token: string): TokenClaims | undefined;
}

export function createTokens(secret: string, expiresInSeconds: number): Tokens {
  // A KeyObject made once: given a string, jsonwebtoken first tries (and fails) to parse it as a
  // public or private key on every call, which was a quarter of an authenticated request's CPU.
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return {
    issue(user) {
      const token = jwt.sign({ username: user.username, ver: user.tokenVersion }, key, {
        algorithm: ALGORITHM,
        expiresIn: expiresInSeconds,
        subject: String(user.id),
        jwtid: randomUUID(),
      });
      return { token, expiresInSeconds };
    },

    /**
     * Exactly the shape `issue` writes is accepted: a header of `alg` and `typ` only (a `crit`
     * naming extensions this code does not implement must be refused, RFC 7515 §4.1.11), and the
     * claims above with their types. Anything else, however well signed, is not a token of ours.
     */
    verify(token) {
      let decoded: jwt.Jwt;
      try {
        decoded = jwt.verify(token, key, { algorithms: [ALGORITHM], complete: true });
      } catch {
        return undefined;
      }
      const { header, payload } = decoded;
      if (header.typ !== 'JWT' || !onlyKeys(header, HEADER_KEYS)) return undefined;
      if (typeof payload === 'string' || !onlyKeys(payload, CLAIM_KEYS)) return undefined;
      const { sub, username, ver, jti, iat, exp } = payload;
      if (typeof sub !== 'string' || !SUBJECT.test(sub) || !isValidId(Number(sub))) return undefined;
      if (typeof username !== 'string' && username !== null) return undefined;
      if (!isInteger(ver) || ver < 0 || !isInteger(iat) || !isInteger(exp)) return undefined;
      if (typeof jti !== 'string' || !UUID.test(jti)) return undefined;
      return { userId: Number(sub), tokenVersion: ver, jti, expiresAt: new Date(exp * 1000) };
    },
  };
}

/** `Authorization: Bearer <token>`, or the raw token the Kickstarter client sends. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(value);
  return bearer ? bearer[1]!.trim() : value;
}

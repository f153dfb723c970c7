import { createHash } from 'node:crypto';
import type { Store } from 'express-rate-limit';
import { tooManyRequests, unavailable } from '../http/errors';

/** What an attempt at a password came to: only a wrong password counts against the limit. */
export type PasswordAttempt<T> = { ok: true; value: T } | { ok: false; error: Error };

export interface LoginThrottle {
  /**
   * Runs a password check for (client IP, subject), counted before it runs so that parallel
   * guesses cannot slip past the limit. `subject` names what is counted in a few bytes whatever
   * the client sent (see `throttleSubject`). Past `limit` failures in the window: 429 with
   * Retry-After, even for the right password. A success clears the count; an error that is not a
   * wrong password (a 503, say) does not count.
   */
  guard<T>(ip: string, subject: string, attempt: () => Promise<PasswordAttempt<T>>): Promise<T>;
}

/**
 * What failed password checks are counted under: the account once it is known, so that its
 * username and its email share one count; else the identifier exactly as the lookup used it,
 * hashed so that a key holds a few bytes however long the identifier.
 */
export function throttleSubject(target: { userId: number } | { username: string } | { email: string }): string {
  if ('userId' in target) return `account:${target.userId}`;
  const [kind, value] = 'username' in target ? ['username', target.username] : ['email', target.email];
  return `${kind}:${createHash('sha256').update(value).digest('base64url')}`;
}

export function createLoginThrottle(store: Store | undefined, limit: number, windowSeconds: number): LoginThrottle {
  if (!store || limit === 0) {
    return {
      async guard(_ip, _subject, attempt) {
        const result = await attempt();
        if (!result.ok) throw result.error;
        return result.value;
      },
    };
  }
  void store.init?.({ windowMs: windowSeconds * 1000 } as Parameters<NonNullable<Store['init']>>[0]);

  return {
    async guard(ip, subject, attempt) {
      const key = `${ip}|${subject}`;
      let counted;
      try {
        counted = await store.increment(key);
      } catch {
        // Failing open would let guesses through unmetered; failing closed is the safe side.
        throw unavailable('Logins are briefly unavailable. Please try again shortly.');
      }
      if (counted.totalHits > limit) {
        throw tooManyRequests('Too many failed login attempts. Please try again later.', counted.resetTime ?? new Date());
      }

      const result = await attempt().catch(async (error: unknown) => {
        await Promise.resolve(store.decrement(key)).catch(() => undefined);
        throw error;
      });
      if (!result.ok) throw result.error;
      await Promise.resolve(store.resetKey(key)).catch(() => undefined);
      return result.value;
    },
  };
}

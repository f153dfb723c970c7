import type { Store } from 'express-rate-limit';
import { HttpError } from '../http/errors';

/** What an attempt at a password came to: only a wrong password counts against the limit. */
export type PasswordAttempt<T> = { ok: true; value: T } | { ok: false; error: Error };

export interface LoginThrottle {
  /**
   * Runs a password check for (client IP, identifier), counted before it runs so that parallel
   * guesses cannot slip past the limit. Past `limit` failures in the window: 429 with
   * Retry-After, even for the right password. A success clears the count; an error that is not a
   * wrong password (a 503, say) does not count.
   */
  guard<T>(ip: string, identifier: string, attempt: () => Promise<PasswordAttempt<T>>): Promise<T>;
}

export function createLoginThrottle(store: Store | undefined, limit: number, windowSeconds: number): LoginThrottle {
  if (!store || limit === 0) {
    return {
      async guard(_ip, _identifier, attempt) {
        const result = await attempt();
        if (!result.ok) throw result.error;
        return result.value;
      },
    };
  }
  void store.init?.({ windowMs: windowSeconds * 1000 } as Parameters<NonNullable<Store['init']>>[0]);

  return {
    async guard(ip, identifier, attempt) {
      const key = `${ip}|${identifier.toLowerCase()}`;
      let counted;
      try {
        counted = await store.increment(key);
      } catch {
        // Failing open would let guesses through unmetered; failing closed is the safe side.
        throw new HttpError(503, 'Logins are briefly unavailable. Please try again shortly.', { headers: { 'Retry-After': '5' } });
      }
      if (counted.totalHits > limit) {
        const seconds = Math.max(1, Math.ceil(((counted.resetTime?.getTime() ?? Date.now()) - Date.now()) / 1000));
        throw new HttpError(429, 'Too many failed login attempts. Please try again later.', {
          headers: { 'Retry-After': String(seconds) },
        });
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

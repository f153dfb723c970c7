import { MAX_PASSWORD_BYTES } from '../users/service';
import { BcryptPool } from './bcrypt-pool';

export interface Passwords {
  hash(password: string): Promise<string>;
  /**
   * Whether `password` matches `hash`. Without a hash (no such user) it still spends one bcrypt
   * comparison, so an unknown user and a wrong password take about the same time. A password
   * longer than bcrypt reads never matches: it cannot be one registration accepted.
   */
  verify(password: string, hash: string | undefined): Promise<boolean>;
  close(): Promise<void>;
}

/** bcrypt (bcryptjs, `$2b$` hashes; `$2a$` ones verify too) on a pool of worker threads. */
export function createPasswords(rounds: number, pool = new BcryptPool()): Passwords {
  let dummyHash: Promise<string> | undefined;
  return {
    hash: (password) => pool.hash(password, rounds),
    async verify(password, hash) {
      if (hash === undefined || Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
        dummyHash ??= pool.hash('dummy password for unknown users', rounds);
        await pool.compare(password, await dummyHash);
        return false;
      }
      return pool.compare(password, hash);
    },
    close: () => pool.close(),
  };
}

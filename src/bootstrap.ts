import type { AppDeps } from './app';
import os from 'node:os';
import { BcryptPool } from './auth/bcrypt-pool';
import { createPasswords } from './auth/passwords';
import { sharedJwtSecret } from './auth/model';
import { createTokens } from './auth/tokens';
import type { Config } from './config';
import { migrateToLatest, openDb } from './db';
import { createRateLimitStores } from './http/rate-limit-stores';
import { createImageFiles } from './images/files/service';
import type { Logger } from './logger';

export interface Bootstrapped {
  deps: AppDeps;
  /** Releases everything `bootstrap` opened: the bcrypt workers, the pool, the embedded database. */
  close(): Promise<void>;
}

/**
 * Opens the database, migrates it when configured to, and builds what the app depends on.
 * `jobs: false` leaves the file jobs (measuring, deleting) to another runner (tests with their own).
 */
export async function bootstrap(config: Config, logger: Logger, { jobs = true }: { jobs?: boolean } = {}): Promise<Bootstrapped> {
  const db = await openDb(config.database, logger);
  try {
    if (config.migrateOnStart) {
      const applied = await migrateToLatest(db.knex);
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    }
    const secret = config.jwt.secret ?? (await sharedJwtSecret(db.knex));
    if (!config.jwt.secret) {
      logger.warn('JWT_SECRET is not set: using a generated secret stored in the database (set JWT_SECRET in production)');
    }
    const rateLimits = await createRateLimitStores(config.redisUrl, logger);
    // The cores are shared by every worker process of this instance.
    const bcryptThreads = Math.max(1, Math.floor(os.availableParallelism() / config.webConcurrency));
    const passwords = createPasswords(config.bcryptRounds, new BcryptPool(bcryptThreads));
    const tokens = createTokens(secret, config.jwt.expiresInSeconds);
    // The secret signs the disk store's upload URLs too: an HMAC over `upload\n…`, never a JWT's input.
    const files = await createImageFiles({ knex: db.knex, config: config.uploads, secret, logger });
    if (jobs) files.start();
    return {
      deps: { config, logger, db, passwords, tokens, rateLimits, files },
      close: async () => {
        await files.close();
        await passwords.close();
        await rateLimits.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

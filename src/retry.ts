import { isDatabaseUnavailable } from './db';
import type { Logger } from './logger';

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `task` until it succeeds, waiting 1 s, 2 s, 4 s … (at most 30 s) after each failure that
 * says the database is unreachable, so a server started before its database comes up by itself
 * once the database does. Any other failure (a broken migration, a refused password, a locked
 * embedded database) would fail the same way every time: it is thrown at once. Gives up
 * (undefined) only when `stopping` says so.
 */
export async function retryWhileDatabaseUnavailable<T>(
  task: () => Promise<T>,
  failure: string,
  logger: Logger,
  stopping: () => boolean,
): Promise<T | undefined> {
  for (let delay = FIRST_RETRY_MS; !stopping(); delay = Math.min(delay * 2, MAX_RETRY_MS)) {
    try {
      return await task();
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      logger.error({ err: error, retryInMs: delay }, `${failure}; retrying`);
      await sleep(delay);
    }
  }
  return undefined;
}

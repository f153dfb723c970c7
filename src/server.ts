import dotenv from 'dotenv';
import http, { type RequestListener } from 'node:http';
import { createApp, createStartingApp } from './app';
import { bootstrap, type Bootstrapped } from './bootstrap';
import { type Config, ConfigError, loadConfig } from './config';
import { createLogger, type Logger } from './logger';

const SHUTDOWN_TIMEOUT_MS = 10_000;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Opens the database, retrying with exponential backoff while it is unreachable, so that the
 * server comes up by itself once the database does. Gives up only when asked to stop.
 */
async function bootstrapWithRetry(config: Config, logger: Logger, stopping: () => boolean): Promise<Bootstrapped | undefined> {
  for (let delay = FIRST_RETRY_MS; !stopping(); delay = Math.min(delay * 2, MAX_RETRY_MS)) {
    try {
      return await bootstrap(config, logger);
    } catch (error) {
      logger.error({ err: error, retryInMs: delay }, 'could not open the database; retrying');
      await sleep(delay);
    }
  }
  return undefined;
}

function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

async function main() {
  dotenv.config({ quiet: true });
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);

  // Listen at once (platforms such as Heroku expect the port bound quickly): until the database
  // is open, /health says ok and everything else answers 503.
  let handle: RequestListener = createStartingApp(config, logger);
  const server = http.createServer((req, res) => handle(req, res));
  server.listen(config.port, () => logger.info({ port: config.port }, `listening on http://localhost:${config.port}`));

  let stopping = false;
  let started: Bootstrapped | undefined = undefined;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    // Stop accepting, let requests in flight finish, then close the pool and the embedded database.
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await started?.close();
    logger.info('stopped');
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));

  started = await bootstrapWithRetry(config, logger, () => stopping);
  if (!started) return;
  if (stopping) {
    await started.close();
    return;
  }
  handle = createApp(started.deps);
  logger.info({ database: started.deps.db.kind }, 'API ready');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

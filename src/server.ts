import cluster from 'node:cluster';
import dotenv from 'dotenv';
import { createApp, createStartingApp } from './app';
import { bootstrap, type Bootstrapped } from './bootstrap';
import { runPrimary } from './cluster';
import { type Config, ConfigError, loadConfig } from './config';
import { createHttpServer } from './http/node-server';
import { createLogger, type Logger } from './logger';
import { retryWhileDatabaseUnavailable } from './retry';
import { stopOnSignal } from './shutdown';

const SHUTDOWN_TIMEOUT_MS = 10_000;

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

/**
 * One server process: opens the database (retrying), serves, drains on SIGTERM/SIGINT.
 * A single process listens at once (platforms such as Heroku expect the port bound quickly):
 * until the database is open, /health says ok and everything else answers 503. A cluster worker
 * listens only once it is ready, so the shared port never hands a client to a worker that is
 * still starting while another could serve it.
 */
async function runServer(config: Config, logger: Logger): Promise<void> {
  const { server, serve } = createHttpServer(createStartingApp(config, logger), logger);
  const listen = () =>
    server.listen(config.port, () => logger.info({ port: config.port }, `listening on http://localhost:${config.port}`));
  if (!cluster.isWorker) listen();

  let started: Bootstrapped | undefined = undefined;
  const stopping = stopOnSignal(logger, SHUTDOWN_TIMEOUT_MS, async () => {
    // Stop accepting, let requests in flight finish, then close the pool and the embedded database.
    if (server.listening) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    }
    await started?.close();
    logger.info('stopped');
  });

  started = await retryWhileDatabaseUnavailable(() => bootstrap(config, logger), 'could not open the database', logger, stopping);
  if (!started) return;
  if (stopping()) {
    await started.close();
    return;
  }
  serve(createApp(started.deps));
  if (!server.listening) listen();
  logger.info({ database: started.deps.db.kind }, 'API ready');
}

async function main() {
  dotenv.config({ quiet: true });
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  if (cluster.isPrimary && config.webConcurrency > 1) await runPrimary(config, logger, SHUTDOWN_TIMEOUT_MS);
  else await runServer(config, logger);
}

/** A start that cannot succeed (anything but an unreachable database) ends the process, saying why in one line. */
function startFailure(error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  // Messages that quote SQL (a failed migration) span lines: the log line must not.
  return `could not start: ${reason.replace(/\s+/g, ' ').trim()}`;
}

main().catch((error: unknown) => {
  console.error(startFailure(error));
  process.exit(1);
});

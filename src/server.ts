import dotenv from 'dotenv';
import type { Server } from 'node:http';
import { createApp } from './app';
import { bootstrap } from './bootstrap';
import { ConfigError, loadConfig } from './config';
import { createLogger, type Logger } from './logger';

const SHUTDOWN_TIMEOUT_MS = 10_000;

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** Stops accepting, lets requests in flight finish, then closes the database; bounded in time. */
function handleShutdown(server: Server, close: () => Promise<void>, logger: Logger) {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    await closeServer(server);
    await close();
    logger.info('stopped');
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}

async function main() {
  dotenv.config({ quiet: true });
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const { deps, close } = await bootstrap(config, logger);
  const server = createApp(deps).listen(config.port, () => {
    logger.info({ port: config.port, database: deps.db.kind }, `API listening on http://localhost:${config.port}`);
  });
  handleShutdown(server, close, logger);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

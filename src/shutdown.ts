import type { Logger } from './logger';

/**
 * Runs `stop` once, on the first SIGTERM or SIGINT (a platform's restart, Ctrl-C), and exits 1
 * if it has not finished within `timeoutMs`. Returns whether a stop has begun, for work still
 * starting up to give way.
 */
export function stopOnSignal(logger: Logger, timeoutMs: number, stop: () => Promise<void> | void): () => boolean {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs).unref();
    void stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return () => stopping;
}

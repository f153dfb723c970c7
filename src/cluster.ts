import cluster, { type Worker } from 'node:cluster';
import { ClusterMemoryStorePrimary } from '@express-rate-limit/cluster-memory-store';
import type { Config } from './config';
import { migrateToLatest, openDb } from './db';
import type { Logger } from './logger';
import { retryWhileDatabaseUnavailable } from './retry';
import { stopOnSignal } from './shutdown';

/**
 * WEB_CONCURRENCY > 1: this process forks that many workers, which share the port (node:cluster)
 * and hold no state of their own; everything shared lives in PostgreSQL, and rate-limit counters
 * in Redis (REDIS_URL) or, without it, in this primary's memory. Migrations run here, once,
 * before the workers start; a worker that dies is replaced; SIGTERM drains every worker.
 */
export async function runPrimary(config: Config, logger: Logger, shutdownTimeoutMs: number): Promise<void> {
  // The workers drain themselves within `shutdownTimeoutMs`; the primary waits a little longer.
  const stopping = stopOnSignal(logger, shutdownTimeoutMs + 2_000, () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });

  if (!config.redisUrl) await new ClusterMemoryStorePrimary().init();

  if (config.migrateOnStart) {
    const migrated = await retryWhileDatabaseUnavailable(
      async () => {
        const db = await openDb(config.database, logger);
        try {
          return await migrateToLatest(db.knex);
        } finally {
          await db.close();
        }
      },
      'could not migrate the database',
      logger,
      stopping,
    );
    if (migrated === undefined) return;
    if (migrated.length > 0) logger.info({ migrations: migrated }, 'database migrated');
  }

  const workerEnv = { MIGRATE_ON_START: 'false' };
  const listeningWorkers = new Set<number>();
  cluster.on('listening', (worker: Worker) => listeningWorkers.add(worker.id));
  cluster.on('exit', (worker: Worker, code, signal) => {
    if (stopping()) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info('stopped');
        process.exit(0);
      }
      return;
    }
    if (!listeningWorkers.has(worker.id)) {
      // A worker retries an unreachable database by itself: one that gave up while starting has
      // said why, and every replacement would fail the same way, in a loop.
      console.error('could not start: a worker failed while starting');
      process.exit(1);
    }
    listeningWorkers.delete(worker.id);
    logger.error({ workerPid: worker.process.pid, code, signal }, 'worker died; starting another');
    cluster.fork(workerEnv);
  });
  for (let i = 0; i < config.webConcurrency; i += 1) cluster.fork(workerEnv);
  logger.info({ workers: config.webConcurrency }, 'workers started');
}

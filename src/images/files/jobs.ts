import type { Knex } from 'knex';
import type { Logger } from '../../logger';

/**
 * A small job queue in the `image_jobs` table, the same on PostgreSQL and the embedded PGlite
 * (neither pg-boss nor graphile-worker runs on the latter). A runner claims the oldest due job
 * with `FOR UPDATE SKIP LOCKED` (several instances never take the same one) by pushing its
 * `run_at` a lease ahead; done, the job is deleted; failed, it comes due again later. A runner that
 * dies mid-job (a restart, a crash) leaves the job to come due when its lease runs out, and the
 * next runner finishes it.
 */

export interface Job {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
}

interface JobHandler {
  run(payload: Record<string, unknown>): Promise<void>;
  /** Attempts after which the job is dropped, `giveUp` called first; unset: retried forever. */
  maxAttempts?: number;
  giveUp?(payload: Record<string, unknown>, error: unknown): Promise<void>;
}

export interface JobRunnerOptions {
  knex: Knex;
  handlers: Record<string, JobHandler>;
  logger: Logger;
  pollMs?: number;
  leaseMs?: number;
  /** Called once a minute or so, for housekeeping (expired uploads). */
  sweep?: () => Promise<void>;
}

export const enqueueJob = (knex: Knex, kind: string, payload: Record<string, unknown>) =>
  knex('image_jobs').insert({ kind, payload: JSON.stringify(payload) });

/** Claims the oldest due job for `leaseMs`. */
export async function claimJob(knex: Knex, leaseMs: number): Promise<Job | undefined> {
  const { rows } = await knex.raw(
    `update image_jobs set run_at = now() + ? * interval '1 millisecond', attempts = attempts + 1
     where id = (select id from image_jobs where run_at <= now() order by run_at, id limit 1 for update skip locked)
     returning id, kind, payload, attempts`,
    [leaseMs],
  );
  return rows[0] as Job | undefined;
}

const SWEEP_EVERY_MS = 60_000;
const MAX_BACKOFF_S = 600;

export function createJobRunner({ knex, handlers, logger, pollMs = 1000, leaseMs = 120_000, sweep }: JobRunnerOptions) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  let lastSweep = 0;

  async function runJob(job: Job): Promise<void> {
    const handler = handlers[job.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler.run(job.payload);
      await knex('image_jobs').where({ id: job.id }).del();
    } catch (error) {
      logger.warn({ err: error, job: { id: job.id, kind: job.kind, attempts: job.attempts } }, 'image job failed');
      if (handler?.maxAttempts !== undefined && job.attempts >= handler.maxAttempts) {
        await handler.giveUp?.(job.payload, error);
        await knex('image_jobs').where({ id: job.id }).del();
        return;
      }
      const backoffSeconds = Math.min(2 ** job.attempts, MAX_BACKOFF_S);
      await knex('image_jobs')
        .where({ id: job.id })
        .update({ run_at: knex.raw("now() + ? * interval '1 second'", [backoffSeconds]), last_error: String(error).slice(0, 1000) });
    }
  }

  /** Runs due jobs until none is left. */
  async function drain(): Promise<void> {
    if (sweep && Date.now() - lastSweep > SWEEP_EVERY_MS) {
      lastSweep = Date.now();
      await sweep();
    }
    for (let job = await claimJob(knex, leaseMs); job && !stopped; job = await claimJob(knex, leaseMs)) await runJob(job);
  }

  function tick(): void {
    if (stopped || running) return;
    running = drain()
      .catch((error: unknown) => logger.warn({ err: error }, 'image job runner: database unavailable, retrying'))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, pollMs).unref();
      });
  }

  return {
    start(): void {
      stopped = false;
      tick();
    },
    /** Looks for due jobs now instead of at the next poll (after a job was queued by this process). */
    kick(): void {
      if (!running && !stopped) {
        clearTimeout(timer);
        tick();
      }
    },
    /** Stops polling and waits for the job in hand; a job left claimed is finished after the lease. */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Knex } from 'knex';
import type { ModelQuality, TrainedModel } from './model';
import type { TrainerMessage } from './train-worker';

/**
 * Trains the success model on the dataset in a worker thread, so that a server's event loop keeps
 * answering: the rows are read here in pages and handed over one page at a time (each a short
 * copy), and every encoding and training step runs in the worker.
 */

const PAGE_ROWS = 5_000;

// The worker is this folder's train-worker: compiled JavaScript in dist/, TypeScript under tsx
// and jest, where the worker registers tsx's loader first (a development dependency).
const WORKER_BOOT = `
const { workerData } = require('node:worker_threads');
if (workerData.file.endsWith('.ts')) require('tsx/cjs');
require(workerData.file);
`;

interface PastRow {
  source_id: string;
  name: string;
  category: string;
  main_category: string;
  country: string | null;
  goal_usd: number;
  duration_days: number;
  successful: boolean;
}

type WorkerAnswer = { type: 'done'; model: TrainedModel; quality: ModelQuality } | { type: 'error'; message: string };

/** The finished past campaigns in source-id order, a page at a time (keyset). */
async function* finishedPages(knex: Knex): AsyncGenerator<PastRow[]> {
  let after = '0';
  for (;;) {
    const page: PastRow[] = await knex('past_campaigns')
      .select('source_id', 'name', 'category', 'main_category', 'country', 'duration_days')
      .select(knex.raw('goal_usd::float8 AS goal_usd'), knex.raw("state = 'successful' AS successful"))
      .whereIn('state', ['successful', 'failed', 'canceled', 'suspended'])
      .where('source_id', '>', after)
      .orderBy('source_id')
      .limit(PAGE_ROWS);
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1]!.source_id;
  }
}

/** Trains on the dataset in `knex`; undefined when it holds no finished campaign. */
export async function trainModel(knex: Knex): Promise<{ model: TrainedModel; quality: ModelQuality } | undefined> {
  const file = path.join(__dirname, `train-worker${path.extname(__filename)}`);
  const worker = new Worker(WORKER_BOOT, { eval: true, workerData: { file } });
  const answer = new Promise<WorkerAnswer>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`The training worker exited with code ${code}`)));
  });
  // With nothing to train on, the worker is stopped unasked and nobody awaits this.
  answer.catch(() => undefined);
  try {
    const mainOf: Record<string, string> = {};
    let total = 0;
    for await (const page of finishedPages(knex)) {
      total += page.length;
      const rows = page.map((row) => {
        mainOf[row.category.toLowerCase()] ??= row.main_category.toLowerCase();
        return {
          input: {
            category: row.category.toLowerCase(),
            mainCategory: row.main_category.toLowerCase(),
            country: row.country,
            goalUsd: row.goal_usd,
            durationDays: row.duration_days,
            text: row.name,
          },
          successful: row.successful,
        };
      });
      worker.postMessage({ type: 'rows', rows } satisfies TrainerMessage);
    }
    if (total === 0) return undefined;
    worker.postMessage({ type: 'train', mainOf } satisfies TrainerMessage);
    const result = await answer;
    if (result.type === 'error') throw new Error(`Training failed: ${result.message}`);
    return { model: result.model, quality: result.quality };
  } finally {
    await worker.terminate();
  }
}

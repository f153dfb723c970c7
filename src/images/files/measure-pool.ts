import path from 'node:path';
import { WorkerPool } from '../../worker-pool';
import type { MeasureResult } from './measure';

/**
 * A few worker threads that run measure.ts, so that measuring never blocks the event loop. Few,
 * because each decodes a picture of up to 50 megapixels: the pool size bounds the memory that
 * measuring can take, whatever the number of uploads in flight (they wait in the queue).
 */

// Evaluated by each worker: loads measure.ts through tsx under jest and tsx, measure.js from dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.module.endsWith('.ts')) require('tsx/cjs');
const sharp = require('sharp');
// One libvips thread per worker and no operation cache: the pool, not libvips, sets the parallelism.
sharp.concurrency(1);
sharp.cache(false);
const { measureFile } = require(workerData.module);
parentPort.on('message', ({ id, input, outputs }) => {
  measureFile(input, outputs).then(
    (result) => parentPort.postMessage({ id, result }),
    (error) => parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
  );
});
`;

const MEASURE_MODULE = path.join(__dirname, `measure${path.extname(__filename)}`);

interface Measuring {
  input: string;
  outputs: { file: string; thumbnail: string };
}

export class MeasurePool {
  private readonly pool: WorkerPool<Measuring, MeasureResult>;

  constructor(readonly size = 2) {
    this.pool = new WorkerPool('measure', WORKER_SOURCE, { module: MEASURE_MODULE }, size);
  }

  /** Measures the file at `input`, writing the stored copy and the thumbnail to `outputs`. */
  measure(input: string, outputs: Measuring['outputs']): Promise<MeasureResult> {
    return this.pool.run({ input, outputs });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

import path from 'node:path';
import { Worker } from 'node:worker_threads';
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

interface Task {
  id: number;
  input: string;
  outputs: { file: string; thumbnail: string };
  resolve(result: MeasureResult): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  task?: Task;
}

export class MeasurePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;

  constructor(readonly size = 2) {
    for (let i = 0; i < size; i += 1) this.slots.push(this.startSlot());
  }

  /** Measures the file at `input`, writing the stored copy and the thumbnail to `outputs`. */
  measure(input: string, outputs: Task['outputs']): Promise<MeasureResult> {
    if (this.closed) return Promise.reject(new Error('measure pool closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: (this.nextId += 1), input, outputs, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('measure pool closed'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.task) continue;
      const task = this.queue.shift();
      if (!task) return;
      slot.task = task;
      slot.worker.postMessage({ id: task.id, input: task.input, outputs: task.outputs });
    }
  }

  private startSlot(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: MEASURE_MODULE } });
    // Idle workers must not keep a finished process (a command, a test run) alive.
    worker.unref();
    const slot: Slot = { worker };
    worker.on('message', (message: { id: number; result?: MeasureResult; error?: string }) => {
      const task = slot.task;
      if (!task || task.id !== message.id) return;
      slot.task = undefined;
      if (message.error !== undefined) task.reject(new Error(message.error));
      else task.resolve(message.result!);
      this.dispatch();
    });
    // A worker that dies (out of memory on a hostile file, say) fails only its own task and is replaced.
    worker.on('error', (error) => this.replace(slot, error));
    worker.on('exit', (code) => this.replace(slot, new Error(`measure worker exited with code ${code}`)));
    return slot;
  }

  private replace(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return;
    slot.task?.reject(error);
    slot.task = undefined;
    if (this.closed) return;
    this.slots[index] = this.startSlot();
    this.dispatch();
  }
}

import os from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * bcrypt in worker threads: a hash costs tens of milliseconds of pure CPU, which on the event loop
 * would stall every other request. One worker per core lets logins use every core.
 */

// Plain CommonJS evaluated by the worker, so the same pool runs under tsx, jest and from dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', ({ id, operation, args }) => {
  try {
    const result = operation === 'hash' ? bcrypt.hashSync(args[0], args[1]) : bcrypt.compareSync(args[0], args[1]);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

type Operation = 'hash' | 'compare';

interface Task {
  id: number;
  operation: Operation;
  args: [string, string | number];
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  task?: Task;
}

export class BcryptPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;

  constructor(readonly size = os.availableParallelism()) {
    for (let i = 0; i < size; i += 1) this.slots.push(this.startSlot());
  }

  hash(password: string, rounds: number): Promise<string> {
    return this.run('hash', [password, rounds]) as Promise<string>;
  }

  compare(password: string, hash: string): Promise<boolean> {
    return this.run('compare', [password, hash]) as Promise<boolean>;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('bcrypt pool closed'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private run(operation: Operation, args: Task['args']): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('bcrypt pool closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: (this.nextId += 1), operation, args, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.task) continue;
      const task = this.queue.shift();
      if (!task) return;
      slot.task = task;
      slot.worker.postMessage({ id: task.id, operation: task.operation, args: task.args });
    }
  }

  private startSlot(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: require.resolve('bcryptjs') } });
    // Idle workers must not keep a finished process (a command, a test run) alive.
    worker.unref();
    const slot: Slot = { worker };
    worker.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const task = slot.task;
      if (!task || task.id !== message.id) return;
      slot.task = undefined;
      if (message.error !== undefined) task.reject(new Error(message.error));
      else task.resolve(message.result);
      this.dispatch();
    });
    // A worker that dies fails only its own task and is replaced.
    worker.on('error', (error) => this.replace(slot, error));
    worker.on('exit', (code) => this.replace(slot, new Error(`bcrypt worker exited with code ${code}`)));
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

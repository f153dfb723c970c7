import { Worker } from 'node:worker_threads';

interface Task {
  id: number;
  message: object;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  task?: Task;
}

/**
 * CPU work (bcrypt, measuring pictures) on a fixed number of worker threads, off the event loop:
 * one task per worker at a time, the rest queued. `source` is plain CommonJS evaluated by each
 * worker (so the same pool runs under tsx, jest and from dist/); it answers each message
 * `{ id, … }` with `{ id, result }` or `{ id, error }`. A worker that dies fails only its own task
 * and is replaced. Workers start with the first task: each holds a V8 heap of its own, which a
 * server that never measures a picture should not pay for.
 */
export class WorkerPool<Message extends object, Result> {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly name: string,
    private readonly source: string,
    private readonly workerData: unknown,
    readonly size: number,
  ) {}

  run(message: Message): Promise<Result> {
    if (this.closed) return Promise.reject(new Error(`${this.name} pool closed`));
    while (this.slots.length < this.size) this.slots.push(this.startSlot());
    return new Promise((resolve, reject) => {
      this.queue.push({ id: (this.nextId += 1), message, resolve: resolve as (result: unknown) => void, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error(`${this.name} pool closed`));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.task) continue;
      const task = this.queue.shift();
      if (!task) return;
      slot.task = task;
      slot.worker.postMessage({ ...task.message, id: task.id });
    }
  }

  private startSlot(): Slot {
    const worker = new Worker(this.source, { eval: true, workerData: this.workerData });
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
    worker.on('error', (error) => this.replace(slot, error));
    worker.on('exit', (code) => this.replace(slot, new Error(`${this.name} worker exited with code ${code}`)));
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

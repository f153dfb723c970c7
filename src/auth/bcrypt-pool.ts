import os from 'node:os';
import { WorkerPool } from '../worker-pool';

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

type Operation = { operation: 'hash'; args: [string, number] } | { operation: 'compare'; args: [string, string] };

export class BcryptPool {
  private readonly pool: WorkerPool<Operation, unknown>;

  constructor(readonly size = os.availableParallelism()) {
    this.pool = new WorkerPool('bcrypt', WORKER_SOURCE, { bcryptPath: require.resolve('bcryptjs') }, size);
  }

  hash(password: string, rounds: number): Promise<string> {
    return this.pool.run({ operation: 'hash', args: [password, rounds] }) as Promise<string>;
  }

  compare(password: string, hash: string): Promise<boolean> {
    return this.pool.run({ operation: 'compare', args: [password, hash] }) as Promise<boolean>;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

import { parentPort } from 'node:worker_threads';
import { addRow, emptyRows, type ModelInput, train } from './model';

/**
 * The training thread (see trainer.ts): receives the dataset in pages, encodes each row as it
 * comes, trains when told to, and answers with the model and its quality.
 */
export type TrainerMessage =
  | { type: 'rows'; rows: Array<{ input: ModelInput; successful: boolean }> }
  | { type: 'train'; mainOf: Record<string, string> };

const rows = emptyRows();

parentPort!.on('message', (message: TrainerMessage) => {
  try {
    if (message.type === 'rows') {
      for (const row of message.rows) addRow(rows, row.input, row.successful);
    } else {
      parentPort!.postMessage({ type: 'done', ...train(rows, message.mainOf) });
    }
  } catch (error) {
    parentPort!.postMessage({ type: 'error', message: error instanceof Error ? error.stack : String(error) });
  }
});

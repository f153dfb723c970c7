import { migrateToLatest } from '../db';
import { importDataset } from '../kickstarter/insights/dataset';
import type { BadRowReport, ImportProgress } from '../kickstarter/insights/import';
import { runCommand } from './run';

/**
 * `npm run import:campaigns -- <file.csv | https://…/file.csv>` (from dist/:
 * `node dist/src/commands/import-campaigns.js …`): loads a Kaggle Kickstarter projects CSV,
 * then rebuilds the statistics and the model and prints the model's quality.
 */

/** Bad rows printed one by one; past this only counted, so a broken file cannot flood the log. */
const BAD_ROWS_SHOWN = 100;
const PROGRESS_EVERY_MS = 200;

const thousands = (n: number) => n.toLocaleString('en-US');
const fixed = (n: number) => n.toFixed(3);

/** A progress line rewritten in place on a terminal; nothing when stderr is a file or a pipe. */
function progressLine(): { update(progress: ImportProgress): void; done(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, done: () => undefined };
  let last = 0;
  let shown = false;
  return {
    update({ bytes, totalBytes, rows }) {
      if (Date.now() - last < PROGRESS_EVERY_MS) return;
      last = Date.now();
      shown = true;
      const share = totalBytes ? ` ${((100 * bytes) / totalBytes).toFixed(1).padStart(5)} %` : '';
      process.stderr.write(`\rImporting:${share} ${thousands(rows)} rows, ${(bytes / 1e6).toFixed(1)} MB`);
    },
    done: () => shown && process.stderr.write('\n'),
  };
}

runCommand(async (db) => {
  const location = process.argv[2];
  if (!location) throw new Error('Usage: npm run import:campaigns -- <file.csv | https://…/file.csv>');
  await migrateToLatest(db.knex);
  const progress = progressLine();
  let bad = 0;
  const onBadRow = ({ line, reason }: BadRowReport) => {
    bad += 1;
    if (bad <= BAD_ROWS_SHOWN) process.stderr.write(`${bad === 1 ? '\n' : ''}line ${line}: ${reason}\n`);
  };
  const started = Date.now();
  const result = await importDataset(db.knex, db.kind, location, { onProgress: progress.update, onBadRow });
  progress.done();
  const seconds = (Date.now() - started) / 1000;
  if (result.badRows > BAD_ROWS_SHOWN) console.error(`… and ${thousands(result.badRows - BAD_ROWS_SHOWN)} more bad rows`);
  console.log(
    `Imported ${thousands(result.rows)} rows in ${seconds.toFixed(1)} s: ${thousands(result.inserted)} new, ` +
      `${thousands(result.updated)} updated, ${thousands(result.unchanged)} unchanged; ${thousands(result.badRows)} bad rows skipped.`,
  );
  const { quality } = result;
  console.log(
    quality
      ? `Model on the held-out fifth (${thousands(quality.testRows)} campaigns, trained on ${thousands(quality.trainRows)}): ` +
          `accuracy ${fixed(quality.accuracy)}, ROC AUC ${fixed(quality.auc)}; majority-class baseline: accuracy ` +
          `${fixed(quality.baselineAccuracy)}, ROC AUC 0.500.`
      : 'No finished campaigns: no model was trained.',
  );
  console.log(`Insights recomputed for ${thousands(result.campaigns)} campaign${result.campaigns === 1 ? '' : 's'}.`);
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestApp } from '../../helpers/app';
import { type GenerateOptions, writeCsv } from '../../helpers/kickstarter-csv';
import { type DatasetImport, importDataset } from '../../../src/kickstarter/insights/dataset';
import type { BadRowReport, ImportOptions } from '../../../src/kickstarter/insights/import';

/** Generated CSVs of a test file live in one temporary directory, removed by `removeCsvFiles`. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insights-csv-'));
let files = 0;

export async function csvFile(options: GenerateOptions): Promise<string> {
  const file = path.join(dir, `campaigns-${(files += 1)}.csv`);
  await writeCsv(file, options);
  return file;
}

export const removeCsvFiles = () => fs.rmSync(dir, { recursive: true, force: true });

/** Imports `location` into the test app's database as the command does; the bad rows reported. */
export async function importInto(
  t: TestApp,
  location: string,
  options: ImportOptions = {},
): Promise<DatasetImport & { bad: BadRowReport[] }> {
  const bad: BadRowReport[] = [];
  const result = await importDataset(t.knex, t.deps.db.kind, location, { ...options, onBadRow: (row) => bad.push(row) });
  return { ...result, bad };
}

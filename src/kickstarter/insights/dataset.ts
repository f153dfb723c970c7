import type { Knex } from 'knex';
import type { DbKind } from '../../db';
import { rebuildAggregates } from './aggregates';
import { importCampaignsCsv, type ImportOptions, type ImportSummary } from './import';
import type { ModelQuality } from './model';
import { refreshAllInsights } from './statistics';
import { trainModel } from './trainer';

export interface DatasetImport extends ImportSummary {
  /** The new model's quality on the held-out fifth; undefined when no finished campaign was imported. */
  quality?: ModelQuality;
  /** Users' campaigns whose insights were recomputed. */
  campaigns: number;
}

/**
 * The whole import the contract asks for: the CSV into the dataset, then the model trained (in a
 * worker thread), the aggregates and the model replaced together, and every stored campaign's
 * insights recomputed.
 */
export async function importDataset(knex: Knex, kind: DbKind, location: string, options: ImportOptions = {}): Promise<DatasetImport> {
  const summary = await importCampaignsCsv(knex, kind, location, options);
  const trained = await trainModel(knex);
  await rebuildAggregates(knex, trained);
  const campaigns = await refreshAllInsights(knex);
  return { ...summary, quality: trained?.quality, campaigns };
}

import type { Knex } from 'knex';
import { isoTimestampSql, type ListQuery, type Page, type PageQuery, readPage, type Sql, sql } from '../db';
import { INSIGHT_FIELDS, type Insights } from './insights/statistics';

/** The writable fields of a campaign. */
export interface CampaignFields {
  campaignName: string;
  categories: string;
  description: string | null;
  monetaryGoal: number;
  duration: number;
  country: string;
}

/** A campaign as the API shows it: the seeds' camelCase names over snake_case columns, and its insights. */
export interface Campaign extends CampaignFields, Insights {
  id: number;
  user_id: number;
  /** ISO-8601 (src/db/timestamps.ts). */
  created_at: string;
  updated_at: string;
}

export interface CampaignFilters {
  /** Exact, case-insensitive; empty or absent means no filter. */
  categories?: string;
  country?: string;
  userId?: number;
}

// Rows come out of PostgreSQL already in the API's shape: nothing to map per row.
const CAMPAIGN_COLUMNS = [
  'id',
  'user_id',
  'campaign_name as campaignName',
  'categories',
  'description',
  'monetary_goal as monetaryGoal',
  'duration',
  'country',
  'created_at',
  'updated_at',
  // The insights, stored when the campaign is written and after an import (insights/statistics.ts).
  ...INSIGHT_FIELDS,
] as const;

// The same columns as SQL text, for the lists' fixed queries: camelCase aliases in quotes, and
// timestamps made ISO-8601 by PostgreSQL, which writes the JSON of the public lists itself.
const LIST_CAMPAIGNS = sql.raw(
  `select ${CAMPAIGN_COLUMNS.map((column) =>
    column.endsWith('_at') ? isoTimestampSql(column) : column.replace(/ as (\w+)$/, ' as "$1"'),
  ).join(', ')} from kickstarter`,
);

const COLUMN_OF: Record<keyof CampaignFields, string> = {
  campaignName: 'campaign_name',
  categories: 'categories',
  description: 'description',
  monetaryGoal: 'monetary_goal',
  duration: 'duration',
  country: 'country',
};

/** The columns of the fields that are set (undefined ones are left out). */
function toColumns(fields: Partial<CampaignFields>): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(COLUMN_OF)) {
    const value = fields[field as keyof CampaignFields];
    if (value !== undefined) columns[column] = value;
  }
  return columns;
}

/**
 * Campaigns in id order. Each filter combination reads one index in id order, so a keyset page
 * (`after`) costs the same however deep it is: user_id → (user_id, id); categories →
 * (lower(categories), id); country → (lower(country), id); both → (lower(categories),
 * lower(country), id); none → the primary key. The comparisons are written as the indexes are.
 */
function campaignList(filters: CampaignFilters): ListQuery {
  const where: Sql[] = [];
  if (filters.userId !== undefined) where.push(sql`user_id = ${filters.userId}`);
  if (filters.categories) where.push(sql`lower(categories) = lower(${filters.categories})`);
  if (filters.country) where.push(sql`lower(country) = lower(${filters.country})`);
  // A generic plan, made without the values, cannot tell a rare category or country from a
  // common one: it walks the primary key, through the whole table for a value nobody uses.
  const planEachTime = Boolean(filters.categories || filters.country);
  return { select: LIST_CAMPAIGNS, where, prepared: !planEachTime };
}

/** A page of campaigns, each as the JSON text of its campaign object, ready to send. */
export function listCampaigns(knex: Knex, filters: CampaignFilters, pageQuery: PageQuery): Promise<Page> {
  return readPage(knex, campaignList(filters), pageQuery);
}

export async function findCampaign(knex: Knex, id: number): Promise<Campaign | undefined> {
  return knex('kickstarter').select(CAMPAIGN_COLUMNS).where({ id }).first();
}

/** Who owns campaign `id`, if it exists. */
export async function findCampaignOwner(knex: Knex, id: number): Promise<number | undefined> {
  const row: { user_id: number } | undefined = await knex('kickstarter').select('user_id').where({ id }).first();
  return row?.user_id;
}

export async function insertCampaign(knex: Knex, userId: number, fields: CampaignFields, insights: Insights): Promise<Campaign> {
  const [row] = await knex('kickstarter')
    .insert({ ...toColumns(fields), ...insights, user_id: userId })
    .returning(CAMPAIGN_COLUMNS);
  return row as Campaign;
}

/**
 * Sets the given fields and insights of campaign `id` if `userId` owns it and, when `ifStill` is
 * given, its fields are still `ifStill` (the insights were computed from them and the change);
 * undefined otherwise.
 */
export async function updateOwnCampaign(
  knex: Knex,
  id: number,
  userId: number,
  fields: Partial<CampaignFields>,
  insights: Insights,
  ifStill?: CampaignFields,
): Promise<Campaign | undefined> {
  const [row] = await knex('kickstarter')
    .update({ ...toColumns(fields), ...insights, updated_at: knex.fn.now() })
    .where({ id, user_id: userId, ...(ifStill ? toColumns(ifStill) : {}) })
    .returning(CAMPAIGN_COLUMNS);
  return row as Campaign | undefined;
}

/** Deletes campaign `id` if `userId` owns it; whether it did. */
export async function deleteOwnCampaign(knex: Knex, id: number, userId: number): Promise<boolean> {
  return (await knex('kickstarter').where({ id, user_id: userId }).del()) > 0;
}

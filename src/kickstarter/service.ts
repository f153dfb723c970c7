import type { Knex } from 'knex';
import type { Page, PageQuery } from '../db';
import { forbidden, found, notFound } from '../http/errors';
import {
  type Campaign,
  type CampaignFields,
  type CampaignFilters,
  deleteOwnCampaign,
  findCampaign,
  findCampaignOwner,
  insertCampaign,
  listCampaigns,
  updateOwnCampaign,
} from './model';
import { type ChartCampaign, type ChartName, chartEtag, renderChart } from './insights/charts';
import { computeInsights } from './insights/statistics';
import type { CampaignInput, CampaignPatch } from './schemas';

// What other features may use of campaigns: the campaign object's schema.
export { campaignSchema } from './schemas';

const NOT_YOUR_CAMPAIGN = "You cannot change another user's campaign.";

/** A PATCH computes the insights from the campaign as it will be; if it changed meanwhile, again. */
const PATCH_ATTEMPTS = 3;

const fieldsOf = ({ campaignName, categories, description, monetaryGoal, duration, country }: CampaignFields): CampaignFields =>
  ({ campaignName, categories, description, monetaryGoal, duration, country });

/** Campaigns: public to read, changed by their owner only. */
export function createCampaignService(knex: Knex) {

  return {
    /** A page of campaigns as JSON texts. */
    list: (filters: CampaignFilters, pageQuery: PageQuery): Promise<Page> => listCampaigns(knex, filters, pageQuery),

    /** A page of user `userId`'s campaigns as JSON texts (an unknown user simply has none). */
    listForUser: (userId: number, pageQuery: PageQuery): Promise<Page> => listCampaigns(knex, { userId }, pageQuery),

    async get(id: number): Promise<Campaign> {
      return found(await findCampaign(knex, id));
    },

    /** Throws 404 for an unknown campaign, 403 for someone else's. */
    async assertOwner(id: number, userId: number): Promise<void> {
      const owner = await findCampaignOwner(knex, id);
      if (owner === undefined) throw notFound();
      if (owner !== userId) throw forbidden(NOT_YOUR_CAMPAIGN);
    },

    /** The new campaign, stored with its insights (computed from its fields). */
    async create(userId: number, input: CampaignInput): Promise<Campaign> {
      const fields = { ...input, description: input.description ?? null };
      return insertCampaign(knex, userId, fields, await computeInsights(knex, fields));
    },

    /** PUT: every required field; an omitted description is cleared. The insights are recomputed. */
    async replace(userId: number, id: number, input: CampaignInput): Promise<Campaign> {
      const fields = { ...input, description: input.description ?? null };
      return found(await updateOwnCampaign(knex, id, userId, fields, await computeInsights(knex, fields)));
    },

    /**
     * PATCH: any subset of the fields; an empty one changes nothing and answers the campaign. The
     * insights are recomputed from the campaign's fields after the change.
     */
    async patch(userId: number, id: number, input: CampaignPatch): Promise<Campaign> {
      const change = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<CampaignFields>;
      if (Object.keys(change).length === 0) return found(await findCampaign(knex, id));
      for (let attempt = 1; ; attempt += 1) {
        const current = fieldsOf(found(await findCampaign(knex, id)));
        const insights = await computeInsights(knex, { ...current, ...change });
        // The last attempt stores what it computed even if the campaign changed once more meanwhile.
        const ifStill = attempt < PATCH_ATTEMPTS ? current : undefined;
        const row = await updateOwnCampaign(knex, id, userId, change, insights, ifStill);
        if (row) return row;
        if (!ifStill) throw notFound();
      }
    },

    /** Chart page `which` of a campaign: its ETag alone (cheap, for a conditional GET), or the page. */
    chartEtag: (campaign: ChartCampaign, which: ChartName): Promise<string> => chartEtag(knex, campaign, which),
    renderChart: (campaign: ChartCampaign, which: ChartName) => renderChart(knex, campaign, which),

    async remove(userId: number, id: number): Promise<void> {
      if (!(await deleteOwnCampaign(knex, id, userId))) throw notFound();
    },
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;

import type { Knex } from 'knex';
import type { Page, PageQuery } from '../db';
import { forbidden, found, notFound } from '../http/errors';
import {
  type Campaign,
  type CampaignFilters,
  deleteOwnCampaign,
  findCampaign,
  findCampaignOwner,
  insertCampaign,
  listCampaigns,
  updateOwnCampaign,
} from './model';
import type { CampaignInput, CampaignPatch } from './schemas';

// What other features may use of campaigns: the campaign object's schema.
export { campaignSchema } from './schemas';

const NOT_YOUR_CAMPAIGN = "You cannot change another user's campaign.";

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

    create: (userId: number, input: CampaignInput): Promise<Campaign> =>
      insertCampaign(knex, userId, { ...input, description: input.description ?? null }),

    /** PUT: every required field; an omitted description is cleared. */
    async replace(userId: number, id: number, input: CampaignInput): Promise<Campaign> {
      return found(await updateOwnCampaign(knex, id, userId, { ...input, description: input.description ?? null }));
    },

    /** PATCH: any subset of the fields; an empty one changes nothing and answers the campaign. */
    async patch(userId: number, id: number, input: CampaignPatch): Promise<Campaign> {
      if (Object.values(input).every((value) => value === undefined)) return found(await findCampaign(knex, id));
      return found(await updateOwnCampaign(knex, id, userId, input));
    },

    async remove(userId: number, id: number): Promise<void> {
      if (!(await deleteOwnCampaign(knex, id, userId))) throw notFound();
    },
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;

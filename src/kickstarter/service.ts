import type { Knex } from 'knex';
import type { z } from 'zod';
import { forbidden, notFound } from '../http/errors';
import type { Page, PageQuery } from '../http/pagination';
import { validate } from '../http/validation';
import { findUserById } from '../users/model';
import {
  type Campaign,
  type CampaignFilters,
  deleteOwnCampaign,
  findCampaign,
  findCampaignOwner,
  insertCampaign,
  listCampaigns,
  listUserCampaigns,
  updateOwnCampaign,
} from './model';
import { campaignInputSchema, campaignPatchSchema } from './schemas';

export const NOT_YOUR_CAMPAIGN = 'You cannot change another user\'s campaign.';
export const NOT_YOUR_ACCOUNT = 'You cannot create campaigns for another user.';

/**
 * Campaigns: public to read, changed by their owner only. A change is checked in this order:
 * token (401, by the route), unknown campaign (404), someone else's (403), body (422). The happy
 * path is one query (`UPDATE ... WHERE id = ? AND user_id = ?`); only a miss or an invalid body
 * costs a look-up of the owner.
 */
export function createCampaignService(knex: Knex) {
  /** Throws 404 or 403 unless `userId` owns campaign `id`. */
  async function assertOwner(id: number, userId: number): Promise<void> {
    const owner = await findCampaignOwner(knex, id);
    if (owner === undefined) throw notFound();
    if (owner !== userId) throw forbidden(NOT_YOUR_CAMPAIGN);
  }

  /** The validated body of a change to campaign `id`; when invalid, 404/403 come before the 422. */
  function validateChange<S extends z.ZodType>(schema: S, body: unknown, id: number, userId: number) {
    return validate(schema, body).catch(async (error: unknown) => {
      await assertOwner(id, userId);
      throw error;
    });
  }

  async function updateOwn(id: number, userId: number, fields: Parameters<typeof updateOwnCampaign>[3]) {
    const campaign = await updateOwnCampaign(knex, id, userId, fields);
    if (campaign) return campaign;
    await assertOwner(id, userId);
    throw notFound(); // Deleted in between.
  }

  return {
    /** A page of campaigns as JSON text. */
    list(filters: CampaignFilters, pageQuery: PageQuery): Promise<Page<string>> {
      return listCampaigns(knex, filters, pageQuery);
    },

    /** User `userId`'s campaigns; 404 when there is no such user (looked up only when the page is empty). */
    async listForUser(userId: number, pageQuery: PageQuery): Promise<Page<string>> {
      const page = await listUserCampaigns(knex, userId, pageQuery);
      if (page.items.length === 0 && !(await findUserById(knex, userId))) throw notFound();
      return page;
    },

    async get(id: number): Promise<Campaign> {
      const campaign = await findCampaign(knex, id);
      if (!campaign) throw notFound();
      return campaign;
    },

    /** A new campaign of `callerId`; with `forUserId` (the Kickstarter client's path), that must be the caller. */
    async create(callerId: number, body: unknown, forUserId = callerId): Promise<Campaign> {
      if (forUserId !== callerId) throw forbidden(NOT_YOUR_ACCOUNT);
      const input = await validate(campaignInputSchema, body);
      return insertCampaign(knex, callerId, { ...input, description: input.description ?? null });
    },

    /** PUT: every required field; an omitted description is cleared. */
    async replace(userId: number, id: number, body: unknown): Promise<Campaign> {
      const input = await validateChange(campaignInputSchema, body, id, userId);
      return updateOwn(id, userId, { ...input, description: input.description ?? null });
    },

    /** PATCH: any subset of the fields; an empty one changes nothing and answers the campaign. */
    async patch(userId: number, id: number, body: unknown): Promise<Campaign> {
      const input = await validateChange(campaignPatchSchema, body, id, userId);
      if (Object.values(input).every((value) => value === undefined)) {
        const campaign = await findCampaign(knex, id);
        if (!campaign) throw notFound();
        if (campaign.user_id !== userId) throw forbidden(NOT_YOUR_CAMPAIGN);
        return campaign;
      }
      return updateOwn(id, userId, input);
    },

    async remove(userId: number, id: number): Promise<void> {
      if (await deleteOwnCampaign(knex, id, userId)) return;
      await assertOwner(id, userId);
      throw notFound();
    },
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;

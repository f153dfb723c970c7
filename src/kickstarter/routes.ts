import { z } from 'zod';
import { forbidden, notFound } from '../http/errors';
import { pageQuerySchema } from '../http/pagination';
import { type RouteContext, routesOf } from '../http/routes';
import { idParams } from '../http/validation';
import type { UsersService } from '../users/service';
import { campaignInputSchema, campaignListQuerySchema, campaignPatchSchema, campaignSchema } from './schemas';
import type { CampaignService } from './service';

interface Deps {
  campaigns: CampaignService;
  users: UsersService;
}

const route = routesOf<Deps>('Kickstarter');

const PUBLIC_NOTE =
  'Needs no token: an `Authorization` header is ignored, even a malformed or expired one (the Kickstarter client ' +
  'sends `Authorization: [object Object]` when it holds no token).';
const OWNER_CHECKS = 'Checks: campaign (404), owner (403), then the body (422).';
const NOT_FOUND: [number, string] = [404, 'No such campaign, or the id is not a positive integer.'];
const NOT_OWNER: [number, string] = [403, "Someone else's campaign."];
const campaigns = z.array(campaignSchema);

/** What the routes that change a campaign share: the owner's token, the id, and the owner check before the body. */
const ownerChange = {
  auth: 'token',
  params: idParams,
  load: ({ params, caller }: RouteContext<{ id: number }, undefined, undefined, undefined>, deps: Deps) =>
    deps.campaigns.assertOwner(params.id, caller.user.id),
  errors: [NOT_OWNER, NOT_FOUND],
} as const;

/** Reads are public, as on Kickstarter; writes need a token, and a change the campaign's owner. */
export const kickstarterRoutes = [
  route({
    method: 'get', path: '/api/kickstarter', operationId: 'listCampaigns',
    aliases: { '/api/kickstarter/all': 'listAllCampaigns' },
    summary: 'List campaigns',
    description: `Every campaign, optionally filtered by \`categories\` and \`country\` (exact, case-insensitive) and \`user_id\`. Every filter is served by an index in id order, so a keyset page costs the same at any depth. ${PUBLIC_NOTE}`,
    auth: 'none',
    query: campaignListQuerySchema,
    success: { status: 200, description: 'One page of campaigns.', schema: campaigns, paged: true },
    handler: ({ query: { categories, country, user_id: userId, ...page } }, deps) =>
      deps.campaigns.list({ categories, country, userId }, page),
  }),
  route({
    method: 'get', path: '/api/kickstarter/user/:id', operationId: 'listUserCampaigns',
    summary: "List a user's campaigns",
    description: `The campaigns of user \`id\`. ${PUBLIC_NOTE}`,
    auth: 'none',
    params: idParams,
    query: pageQuerySchema,
    success: { status: 200, description: "One page of the user's campaigns.", schema: campaigns, paged: true },
    errors: [[404, 'No such user, or the id is not a positive integer.']],
    handler: async ({ params, query }, deps) => {
      const page = await deps.campaigns.listForUser(params.id, query);
      // Only an empty page costs a look-up of the user.
      if (page.items.length === 0 && !(await deps.users.find(params.id))) throw notFound();
      return page;
    },
  }),
  route({
    method: 'post', path: '/api/kickstarter/user/:id', operationId: 'createUserCampaign',
    summary: 'Create a campaign (Kickstarter client path)',
    description:
      "As `POST /api/kickstarter`, at the path the Kickstarter client uses: `id` must be the caller's own id (403 " +
      'otherwise, before the body is looked at). A `user_id` in the body is ignored.',
    auth: 'token',
    params: idParams,
    load: ({ params, caller }) => {
      if (params.id !== caller.user.id) throw forbidden('You cannot create campaigns for another user.');
    },
    body: campaignInputSchema,
    success: { status: 201, description: 'The new campaign, owned by the caller.', schema: campaignSchema },
    errors: [[403, "The id is not the caller's."], [404, 'The id is not a positive integer.']],
    handler: ({ caller, body }, deps) => deps.campaigns.create(caller.user.id, body),
  }),
  route({
    method: 'post', path: '/api/kickstarter', operationId: 'createCampaign',
    summary: 'Create a campaign',
    description:
      '`campaignName` (1–128), `categories` and `country` (1–64) are required and trimmed; `description` is optional ' +
      '(at most 5000 characters, `null` for none); `monetaryGoal` (1–100,000,000) and `duration` (1–60 days) are ' +
      'JSON integers or strings of digits. The campaign is owned by the caller; `id`, `user_id` and the timestamps ' +
      'in the body are ignored.',
    auth: 'token',
    body: campaignInputSchema,
    success: { status: 201, description: 'The new campaign.', schema: campaignSchema },
    handler: ({ caller, body }, deps) => deps.campaigns.create(caller.user.id, body),
  }),
  route({
    method: 'get', path: '/api/kickstarter/:id', operationId: 'getCampaign',
    summary: 'A campaign',
    description: PUBLIC_NOTE,
    auth: 'none',
    params: idParams,
    success: { status: 200, description: 'The campaign.', schema: campaignSchema },
    errors: [NOT_FOUND],
    handler: ({ params }, deps) => deps.campaigns.get(params.id),
  }),
  route({
    method: 'put', path: '/api/kickstarter/:id', operationId: 'replaceCampaign',
    summary: 'Replace a campaign',
    description: `Needs every required field; an omitted \`description\` is cleared. ${OWNER_CHECKS}`,
    ...ownerChange,
    body: campaignInputSchema,
    success: { status: 200, description: 'The campaign after the change.', schema: campaignSchema },
    handler: ({ params, caller, body }, deps) => deps.campaigns.replace(caller.user.id, params.id, body),
  }),
  route({
    method: 'patch', path: '/api/kickstarter/:id', operationId: 'patchCampaign',
    summary: 'Change some fields of a campaign',
    description: `Any subset of the fields; an empty body changes nothing and answers the campaign. ${OWNER_CHECKS}`,
    ...ownerChange,
    body: campaignPatchSchema,
    success: { status: 200, description: 'The campaign after the change.', schema: campaignSchema },
    handler: ({ params, caller, body }, deps) => deps.campaigns.patch(caller.user.id, params.id, body),
  }),
  route({
    method: 'delete', path: '/api/kickstarter/:id', operationId: 'deleteCampaign',
    summary: 'Delete a campaign',
    description: 'Only the owner may delete a campaign: campaign (404), owner (403).',
    ...ownerChange,
    success: { status: 204, description: 'Deleted.' },
    handler: ({ params, caller }, deps) => deps.campaigns.remove(caller.user.id, params.id),
  }),
];

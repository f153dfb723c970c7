import { z } from 'zod';
import { pageQuerySchema } from '../http/pagination';
import { found } from '../http/errors';
import { JsonText } from '../http/json-response';
import { routesOf } from '../http/routes';
import { idParams } from '../http/validation';
import { campaignSchema, type CampaignService } from '../kickstarter/service';
import { profileSchema, registeredSchema, registerSchema, userSchema, viewUser } from './schemas';
import type { UsersService } from './service';

const route = routesOf<{ users: UsersService; campaigns: CampaignService }>('Users');

/** How many campaigns a profile embeds; the rest are paged at /api/kickstarter/user/:id. */
const PROFILE_CAMPAIGNS = 100;

const PUBLIC_NOTE =
  'Needs no token: an `Authorization` header is ignored, even a malformed or expired one (the Kickstarter client ' +
  'sends `Authorization: [object Object]` when it holds no token).';

export const userRoutes = [
  route({
    method: 'post', path: '/api/auth/register', operationId: 'register',
    aliases: { '/api/register': 'registerAlias' },
    summary: 'Register a user',
    description:
      'Needs `password` and at least one of `username` or `email`; `password_confirmation`, when sent, must equal ' +
      '`password` (else a 422 on `password`). A username is 2–50 ASCII letters, digits, `.`, `_`, `-`, unique ' +
      'ignoring case; an email is stored lower-cased and unique; a name is 2–100 characters after trimming; a ' +
      'password 8 characters to 72 bytes (bcrypt reads no more). A duplicate is a 422 "already taken", also when ' +
      'two registrations race (one wins). With EMAIL_CHECK_DNS=true the email domain must also have an MX or A ' +
      'record (checked once the fields are valid). `null` for an optional field is the same as leaving it out; ' +
      `unknown fields, and \`id\`, \`user_id\`, \`created_at\`, \`updated_at\`, are ignored. ${PUBLIC_NOTE}`,
    auth: 'none',
    body: registerSchema,
    success: { status: 201, description: 'Registered: the new user, with their email.', schema: registeredSchema },
    handler: async ({ body }, { users }) => {
      const user = await users.register(body);
      return { success: true, message: 'User registered successfully', id: user.id, username: user.username, data: viewUser(user, user.id) };
    },
  }),
  route({
    method: 'get', path: '/api/auth', operationId: 'listUsers',
    aliases: { '/api/users': 'listUsersAlias' },
    summary: 'List users',
    description: "Every user; `email` is null but in the caller's own entry. `/api/auth/` (trailing slash) is the same route.",
    auth: 'token',
    query: pageQuerySchema,
    success: { status: 200, description: 'One page of users.', schema: z.array(userSchema), paged: true },
    handler: ({ caller, query }, { users }) => users.list(caller.user.id, query),
  }),
  route({
    method: 'get', path: '/api/users/me', operationId: 'getMe',
    summary: 'The caller',
    description: 'The user the token belongs to, with their email.',
    auth: 'token',
    success: { status: 200, description: 'The caller.', schema: userSchema },
    handler: ({ caller }) => viewUser(caller.user, caller.user.id),
  }),
  route({
    method: 'patch', path: '/api/users/me', operationId: 'updateMe',
    summary: "Change the caller's name or email",
    description:
      'Changes `name` and/or `email` (validated as at registration; a taken email is a 422). `null` clears them, but ' +
      '`email: null` is a 422 unless the user has a username (they could no longer log in). `username` may be sent ' +
      'only unchanged (ignoring case): a different one is a 403 "You cannot change the username.". Checks: field ' +
      'rules (422), username (403), email removal and uniqueness (422). An empty body changes nothing.',
    auth: 'token',
    body: profileSchema,
    success: { status: 200, description: 'The caller after the change, with their email.', schema: userSchema },
    errors: [[403, 'A different `username` was sent: usernames cannot change.']],
    handler: async ({ caller, body }, { users }) => viewUser(await users.updateProfile(caller.user, body), caller.user.id),
  }),
  route({
    method: 'get', path: '/api/auth/:id', operationId: 'getUser',
    aliases: { '/api/users/:id': 'getUserAlias' },
    summary: 'A user and their campaigns',
    description:
      'The user (`email` null unless it is the caller) and `kickstarter`: their first 100 campaigns in id order; ' +
      'the rest are paged at `/api/kickstarter/user/{id}`.',
    auth: 'token',
    params: idParams,
    success: {
      status: 200,
      description: 'The user.',
      schema: userSchema
        .extend({
          kickstarter: z
            .array(campaignSchema)
            .describe("The user's first 100 campaigns in id order; the rest are paged at /api/kickstarter/user/{id}."),
        })
        .meta({ id: 'UserWithCampaigns' }),
    },
    errors: [[404, 'No such user, or the id is not a positive integer.']],
    handler: async ({ caller, params }, { users, campaigns }) => {
      const user = params.id === caller.user.id ? caller.user : found(await users.find(params.id));
      const { items } = await campaigns.listForUser(user.id, { limit: PROFILE_CAMPAIGNS });
      const view = JSON.stringify(viewUser(user, caller.user.id));
      return new JsonText(`${view.slice(0, -1)},"kickstarter":[${items.join(',')}]}`);
    },
  }),
];

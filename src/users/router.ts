import { type RequestHandler, Router } from 'express';
import type { Knex } from 'knex';
import { caller } from '../http/authenticate';
import { notFound } from '../http/errors';
import { pageQuerySchema, setNextLink } from '../http/pagination';
import { parseId, validate, validateQuery } from '../http/validation';
import { firstCampaignsOf } from '../kickstarter/model';
import { findUserById, listUsers } from './model';
import { type profileSchema, viewUser } from './schemas';
import type { UsersService } from './service';

interface UsersRouterDeps {
  knex: Knex;
  users: UsersService;
  profileBody: ReturnType<typeof profileSchema>;
  requireAuth: RequestHandler;
}

/** How many campaigns a profile embeds; the rest are paged at /api/kickstarter/user/:id. */
const PROFILE_CAMPAIGNS = 100;

export function usersRouter({ knex, users, profileBody, requireAuth }: UsersRouterDeps): Router {
  const router = Router();

  router.get(['/auth', '/users'], requireAuth, async (req, res) => {
    const page = await listUsers(knex, validateQuery(pageQuerySchema, req.query));
    const viewerId = caller(req).user.id;
    setNextLink(req, res, page.next);
    res.json(page.items.map((user) => viewUser(user, viewerId)));
  });

  router.get('/users/me', requireAuth, (req, res) => {
    const { user } = caller(req);
    res.json(viewUser(user, user.id));
  });

  router.patch('/users/me', requireAuth, async (req, res) => {
    const { user } = caller(req);
    const updated = await users.updateProfile(user, await validate(profileBody, req.body));
    res.json(viewUser(updated, user.id));
  });

  router.get(['/auth/:id', '/users/:id'], requireAuth, async (req, res) => {
    const user = await findUserById(knex, parseId(req.params.id));
    if (!user) throw notFound();
    const campaigns = await firstCampaignsOf(knex, user.id, PROFILE_CAMPAIGNS);
    res.json({ ...viewUser(user, caller(req).user.id), kickstarter: campaigns });
  });

  return router;
}

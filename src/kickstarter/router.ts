import { type RequestHandler, Router } from 'express';
import type { Knex } from 'knex';
import { caller } from '../http/authenticate';
import { pageQuerySchema, sendJsonPage } from '../http/pagination';
import { parseId, validateQuery } from '../http/validation';
import { campaignListQuerySchema } from './schemas';
import { createCampaignService } from './service';

/**
 * Kickstarter campaigns, mounted at `/api/kickstarter`. Reads are public (any Authorization header
 * is ignored); writes need a token and, for a change, the campaign's owner.
 */
export function kickstarterRouter({ knex, requireAuth }: { knex: Knex; requireAuth: RequestHandler }): Router {
  const campaigns = createCampaignService(knex);
  const router = Router();

  router.get(['/', '/all'], async (req, res) => {
    const { categories, country, user_id: userId, ...pageQuery } = validateQuery(campaignListQuerySchema, req.query);
    sendJsonPage(req, res, await campaigns.list({ categories, country, userId }, pageQuery));
  });

  router.get('/user/:id', async (req, res) => {
    const userId = parseId(req.params.id);
    sendJsonPage(req, res, await campaigns.listForUser(userId, validateQuery(pageQuerySchema, req.query)));
  });

  router.post('/user/:id', requireAuth, async (req, res) => {
    const campaign = await campaigns.create(caller(req).user.id, req.body, parseId(req.params.id));
    res.status(201).json(campaign);
  });

  router.post('/', requireAuth, async (req, res) => {
    res.status(201).json(await campaigns.create(caller(req).user.id, req.body));
  });

  router.get('/:id', async (req, res) => {
    res.json(await campaigns.get(parseId(req.params.id)));
  });

  router.put('/:id', requireAuth, async (req, res) => {
    res.json(await campaigns.replace(caller(req).user.id, parseId(req.params.id), req.body));
  });

  router.patch('/:id', requireAuth, async (req, res) => {
    res.json(await campaigns.patch(caller(req).user.id, parseId(req.params.id), req.body));
  });

  router.delete('/:id', requireAuth, async (req, res) => {
    await campaigns.remove(caller(req).user.id, parseId(req.params.id));
    res.status(204).end();
  });

  return router;
}

import { type RequestHandler, Router } from 'express';
import type { Knex } from 'knex';
import { caller } from '../http/authenticate';
import { pageQuerySchema, sendJsonPage } from '../http/pagination';
import { parseId, validateQuery } from '../http/validation';
import { createImageService } from './service';

/** The caller's private images; one router for both mounts, `/api/images` and `/images`. */
export function imagesRouter({ knex, requireAuth }: { knex: Knex; requireAuth: RequestHandler }): Router {
  const images = createImageService(knex);
  const router = Router();

  router.get('/', requireAuth, async (req, res) => {
    sendJsonPage(req, res, await images.list(caller(req).user.id, validateQuery(pageQuerySchema, req.query)));
  });

  router.post('/', requireAuth, async (req, res) => {
    res.status(201).json(await images.create(caller(req).user.id, req.body));
  });

  router.get('/:id', requireAuth, async (req, res) => {
    res.json(await images.get(caller(req).user.id, parseId(req.params.id)));
  });

  router.put('/:id', requireAuth, async (req, res) => {
    res.json(await images.replace(caller(req).user.id, parseId(req.params.id), req.body));
  });

  router.patch('/:id', requireAuth, async (req, res) => {
    res.json(await images.patch(caller(req).user.id, parseId(req.params.id), req.body));
  });

  router.delete('/:id', requireAuth, async (req, res) => {
    await images.remove(caller(req).user.id, parseId(req.params.id));
    res.status(204).end();
  });

  return router;
}

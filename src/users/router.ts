import { type RequestHandler, Router } from 'express';
import { caller } from '../http/authenticate';
import { viewUser } from './schemas';

export function usersRouter({ requireAuth }: { requireAuth: RequestHandler }): Router {
  const router = Router();

  router.get('/users/me', requireAuth, (req, res) => {
    const { user } = caller(req);
    res.json(viewUser(user, user.id));
  });

  return router;
}

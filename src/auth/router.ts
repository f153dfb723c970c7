import { type Request, type RequestHandler, Router } from 'express';
import { caller } from '../http/authenticate';
import { forbidden } from '../http/errors';
import { parseId, validate } from '../http/validation';
import { viewUser } from '../users/schemas';
import { changePasswordSchema, deleteAccountSchema, loginSchema, type registerSchema } from './schemas';
import { type AuthService, displayName } from './service';

interface AuthRouterDeps {
  auth: AuthService;
  registerBody: ReturnType<typeof registerSchema>;
  requireAuth: RequestHandler;
}

/** The caller, when `:id` is their own id: anyone else's id is 403, whether or not it exists. */
function callerOwning(req: Request) {
  const id = parseId(req.params.id);
  const { user } = caller(req);
  if (id !== user.id) throw forbidden('You can only change your own account.');
  return user;
}

/** The client's address, as far as TRUST_PROXY lets X-Forwarded-For speak for it. */
const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/** Registration, login, logout, password change and deletion, at the paths the three clients call. */
export function authRouter({ auth, registerBody, requireAuth }: AuthRouterDeps): Router {
  const router = Router();

  router.post(['/auth/register', '/register'], async (req, res) => {
    const user = await auth.register(await validate(registerBody, req.body));
    res.status(201).json({
      success: true,
      message: 'User registered successfully',
      id: user.id,
      username: user.username,
      data: viewUser(user, user.id),
    });
  });

  router.post(['/auth/login', '/login'], async (req, res) => {
    const { user, token } = await auth.login(await validate(loginSchema, req.body), clientIp(req));
    res.json({
      success: true,
      message: `Welcome ${displayName(user)}!`,
      token: token.token,
      id: user.id,
      username: user.username,
      data: { type: 'Bearer', token: token.token, expires_in: token.expiresInSeconds, user: viewUser(user, user.id) },
    });
  });

  router.post('/auth/logout', requireAuth, async (req, res) => {
    await auth.logout(caller(req).claims);
    res.status(204).end();
  });

  router.put('/auth/update/:id', requireAuth, async (req, res) => {
    const owner = callerOwning(req);
    const { user, token } = await auth.changePassword(owner, await validate(changePasswordSchema, req.body), clientIp(req));
    res.json({ success: true, message: 'Password changed successfully', data: viewUser(user, user.id), token: token.token });
  });

  router.delete('/auth/delete/:id', requireAuth, async (req, res) => {
    const owner = callerOwning(req);
    await auth.deleteAccount(owner, await validate(deleteAccountSchema, req.body), clientIp(req));
    res.status(204).end();
  });

  return router;
}

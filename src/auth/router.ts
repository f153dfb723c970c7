import { Router } from 'express';
import { validate } from '../http/validation';
import { viewUser } from '../users/schemas';
import { loginSchema, type registerSchema } from './schemas';
import { type AuthService, displayName } from './service';

interface AuthRouterDeps {
  auth: AuthService;
  registerBody: ReturnType<typeof registerSchema>;
}

/** Registration and login, at the paths each of the three clients calls. */
export function authRouter({ auth, registerBody }: AuthRouterDeps): Router {
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
    const { user, token } = await auth.login(await validate(loginSchema, req.body));
    res.json({
      success: true,
      message: `Welcome ${displayName(user)}!`,
      token: token.token,
      id: user.id,
      username: user.username,
      data: { type: 'Bearer', token: token.token, expires_in: token.expiresInSeconds, user: viewUser(user, user.id) },
    });
  });

  return router;
}

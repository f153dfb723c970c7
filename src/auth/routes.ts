import { forbidden } from '../http/errors';
import { type RouteContext, routesOf } from '../http/routes';
import { idParams } from '../http/validation';
import { viewUser } from '../users/service';
import {
  changePasswordSchema,
  deleteAccountSchema,
  invalidCredentialsErrorSchema,
  loginResponseSchema,
  loginSchema,
  passwordChangedResponseSchema,
} from './schemas';
import { type AuthService, displayName } from './service';

const route = routesOf<{ auth: AuthService }>('Users');

const PASSWORD_CHECK_ERRORS: Array<[number, string]> = [
  [
    429,
    'Rate limited: too many requests from this client IP (API_RATE_LIMIT per minute), or too many failed password ' +
      'checks for this (client IP, account) pair (LOGIN_RATE_LIMIT per RATE_LIMIT_WINDOW_S): then even the right ' +
      'password gets 429 until the window ends.',
  ],
  [
    503,
    'The database is unreachable, the server is still starting, or the store of the failed-login counters (Redis) ' +
      'is unreachable: password checks are refused rather than left unmetered.',
  ],
];

/** The `load` of the routes on an account: `:id` must be the caller's, whether or not another such user exists. */
const callerOwnsAccount = ({ params, caller }: RouteContext<{ id: number }, undefined, undefined, undefined>) => {
  if (params.id !== caller.user.id) throw forbidden('You can only change your own account.');
};

export const authRoutes = [
  route({
    method: 'post', path: '/api/auth/login', operationId: 'login',
    aliases: { '/api/login': 'loginAlias' },
    summary: 'Log in',
    description:
      'Takes `password` and one of `username` (ASCII letters matched ignoring case) or `email` (matched lower-cased); ' +
      'when both are sent, `username`. A missing field, a username over 50 or an email over 254 characters is a 422 ' +
      '(never a lookup, and not a failed login). An unknown account and a wrong password get the same 401 in about ' +
      'the same time. Failed logins are counted per (client IP, account), so a username and an email of one account ' +
      'share a count (per the identifier as looked up when it names no account); past LOGIN_RATE_LIMIT (default 10) ' +
      'in RATE_LIMIT_WINDOW_S (default 900 s) the answer is 429, and a successful login clears the count. The token ' +
      'goes in `Authorization: Bearer <token>` (or raw, without "Bearer "). Needs no token: an `Authorization` header ' +
      'is ignored.',
    auth: 'none',
    body: loginSchema,
    success: { status: 200, description: 'Logged in: a token and the user, with their email.', schema: loginResponseSchema },
    errors: [[401, 'Wrong credentials: unknown account or wrong password, indistinguishably.', invalidCredentialsErrorSchema], ...PASSWORD_CHECK_ERRORS],
    handler: async ({ body, clientIp }, { auth }) => {
      const { user, token } = await auth.login(body, clientIp);
      return {
        success: true,
        message: `Welcome ${displayName(user)}!`,
        token: token.token,
        id: user.id,
        username: user.username,
        data: { type: 'Bearer', token: token.token, expires_in: token.expiresInSeconds, user: viewUser(user, user.id) },
      };
    },
  }),
  route({
    method: 'post', path: '/api/auth/logout', operationId: 'logout',
    summary: 'Log out',
    description: 'Revokes the token of this request (in the database, so on every instance); other tokens of the user keep working. Needs no body.',
    auth: 'token',
    success: { status: 204, description: 'Logged out: this token no longer works.' },
    handler: ({ caller }, { auth }) => auth.logout(caller.claims),
  }),
  route({
    method: 'put', path: '/api/auth/update/:id', operationId: 'changePassword',
    summary: "Change the caller's password",
    description:
      "Needs `password` (the new one) and `current_password` (a wrong or missing one is a 422 on `current_password`, " +
      "and counts as a failed login). `username`, when sent, must be the account's own (ignoring case), else 403. " +
      'Every token issued before the change stops working, even within the same second; the response carries a fresh ' +
      "one. Checks: id not the caller's (403, whether or not such a user exists), field rules (422), username (403), " +
      'failed-login limit (429), current password (422).',
    auth: 'token',
    params: idParams,
    load: callerOwnsAccount,
    body: changePasswordSchema,
    success: { status: 200, description: 'Changed: the user and a fresh token.', schema: passwordChangedResponseSchema },
    errors: [[403, "The id is not the caller's, or a different `username` was sent."], [404, 'The id is not a positive integer.'], ...PASSWORD_CHECK_ERRORS],
    handler: async ({ caller, body, clientIp }, { auth }) => {
      const { user, token } = await auth.changePassword(caller.user, body, clientIp);
      return { success: true, message: 'Password changed successfully', data: viewUser(user, user.id), token: token.token };
    },
  }),
  route({
    method: 'delete', path: '/api/auth/delete/:id', operationId: 'deleteAccount',
    summary: "Delete the caller's account",
    description:
      "Needs the current `password` in the body (a wrong or missing one is a 422 on `password`, and counts as a failed " +
      "login). The user's images and campaigns are deleted with them, and their tokens stop working. Checks: id not " +
      "the caller's (403, whether or not such a user exists), field rules (422), failed-login limit (429), password (422).",
    auth: 'token',
    params: idParams,
    load: callerOwnsAccount,
    body: deleteAccountSchema,
    success: { status: 204, description: 'Deleted.' },
    errors: [[403, "The id is not the caller's."], [404, 'The id is not a positive integer.'], ...PASSWORD_CHECK_ERRORS],
    handler: ({ caller, body, clientIp }, { auth }) => auth.deleteAccount(caller.user, body.password, clientIp),
  }),
];

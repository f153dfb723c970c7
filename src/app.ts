import cors from 'cors';
import express, { type Express } from 'express';
import { createAuthenticate } from './auth/authenticate';
import { createLoginThrottle } from './auth/login-throttle';
import type { Passwords } from './auth/passwords';
import { authRoutes } from './auth/routes';
import { createAuthService } from './auth/service';
import type { Tokens } from './auth/tokens';
import type { Config } from './config';
import type { Database } from './db';
import { apiRateLimit } from './http/api-rate-limit';
import { jsonBody } from './http/body';
import { databaseUnavailable, errorHandler, unknownRoute } from './http/errors';
import { writeJsonDirectly } from './http/json-response';
import { mountRoutes } from './http/mount';
import type { RateLimitStores } from './http/rate-limit-stores';
import { requestLog } from './http/request-log';
import { securityHeaders } from './http/security-headers';
import type { Route } from './http/routes';
import type { ImageFiles } from './images/files/service';
import { imageRoutes } from './images/routes';
import { createImageService } from './images/service';
import { uploadRoutes } from './images/upload-routes';
import { chartRoutes } from './kickstarter/chart-routes';
import { kickstarterRoutes } from './kickstarter/routes';
import { createCampaignService } from './kickstarter/service';
import type { Logger } from './logger';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi/document';
import { swaggerUiAssets } from './openapi/swagger-ui';
import { operationsRoutes, probeRoutes } from './operations/routes';
import { createEmailDomainCheck } from './users/email-domains';
import { userRoutes } from './users/routes';
import { createUsersService } from './users/service';

export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Database;
  passwords: Passwords;
  tokens: Tokens;
  rateLimits: RateLimitStores;
  /** Uploaded files, their measurements and the job runner (started and closed by bootstrap). */
  files: ImageFiles;
}

/** Every route of the API, in the order Express tries them: the busiest lists early. */
const ROUTES: readonly Route[] = [
  ...probeRoutes,
  ...kickstarterRoutes,
  ...chartRoutes,
  ...imageRoutes,
  ...uploadRoutes,
  ...operationsRoutes,
  ...authRoutes,
  ...userRoutes,
];

let document: OpenApiDocument | undefined;

/** The OpenAPI document of `ROUTES`, built once per process. */
export function apiDocument(): OpenApiDocument {
  document ??= buildOpenApiDocument(ROUTES);
  return document;
}

/**
 * Security headers and CORS, the same on every app this server runs. Listed origins may send
 * credentials (the Picmetric client logs in with `withCredentials: true`; the server sets no
 * cookies, so this grants nothing a token does not); `*` never, as browsers require.
 */
function commonMiddleware(app: Express, config: Pick<Config, 'corsOrigins'>): void {
  app.disable('x-powered-by');
  app.use(securityHeaders());
  app.use(
    cors({
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      exposedHeaders: ['Link', 'Retry-After', 'WWW-Authenticate'],
      credentials: config.corsOrigins !== '*',
    }),
  );
}

/** What the server answers while the database is not open yet: alive, but not ready. */
export function createStartingApp(config: Config, logger: Logger): Express {
  const app = express();
  commonMiddleware(app, config);
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(() => {
    throw databaseUnavailable();
  });
  app.use(errorHandler(logger));
  return app;
}

/** Every service, built once over the app's dependencies: the composition root. */
function createServices({ config, db, passwords, tokens, rateLimits, files }: AppDeps) {
  const { knex } = db;
  const { loginFailures, windowSeconds } = config.rateLimit;
  const users = createUsersService({
    knex,
    hashPassword: (password) => passwords.hash(password),
    checkEmailDomain: config.emailCheckDns ? createEmailDomainCheck() : undefined,
  });
  const throttle = createLoginThrottle(loginFailures > 0 ? rateLimits.create('login') : undefined, loginFailures, windowSeconds);
  return {
    users,
    auth: createAuthService({ knex, passwords, tokens, users, throttle }),
    campaigns: createCampaignService(knex),
    images: createImageService(knex, files),
  };
}

/** Builds the Express app over its dependencies; `server.ts` listens, tests drive it with supertest. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, db, tokens, rateLimits } = deps;
  const app = express();
  app.set('trust proxy', config.trustProxyHops);
  // No ETag: hashing every JSON body cost more than conditional GETs save on lists that change.
  app.set('etag', false);
  app.locals.publicUrl = config.publicUrl;
  writeJsonDirectly(app);
  app.use(requestLog(logger));
  commonMiddleware(app, config);

  const authenticate = createAuthenticate(db.knex, tokens);
  const { users, auth, campaigns, images } = createServices(deps);
  const operations = { db, document: apiDocument() };

  mountRoutes(app, { routes: probeRoutes, deps: operations }, authenticate);
  // Everything else counts toward the per-IP limit, before any other work.
  if (config.rateLimit.apiPerMinute > 0) app.use(apiRateLimit(rateLimits.create('api'), config.rateLimit.apiPerMinute, logger));
  app.use(jsonBody(config.bodyLimitBytes));
  mountRoutes(app, { routes: kickstarterRoutes, deps: { campaigns, users } }, authenticate);
  // Chart pages may be framed by the client's origins (CORS_ORIGIN); every other answer keeps helmet's 'self'.
  const frameAncestors = config.corsOrigins === '*' ? '*' : config.corsOrigins.join(' ');
  mountRoutes(app, { routes: chartRoutes, deps: { campaigns, frameAncestors } }, authenticate);
  const imageDeps = { images, files: deps.files, maxBytes: config.uploads.maxBytes };
  mountRoutes(app, { routes: imageRoutes, deps: imageDeps }, authenticate);
  mountRoutes(app, { routes: uploadRoutes, deps: imageDeps }, authenticate);
  mountRoutes(app, { routes: operationsRoutes, deps: operations }, authenticate);
  app.use(swaggerUiAssets());
  mountRoutes(app, { routes: authRoutes, deps: { auth } }, authenticate);
  mountRoutes(app, { routes: userRoutes, deps: { users, campaigns } }, authenticate);

  app.use(unknownRoute);
  app.use(errorHandler(logger));
  return app;
}

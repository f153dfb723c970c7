import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { createLoginThrottle } from './auth/login-throttle';
import type { Passwords } from './auth/passwords';
import { authRouter } from './auth/router';
import { registerSchema } from './auth/schemas';
import { createAuthService } from './auth/service';
import type { Tokens } from './auth/tokens';
import type { Config } from './config';
import type { Database } from './db';
import { apiRateLimit } from './http/api-rate-limit';
import { authenticate } from './http/authenticate';
import { jsonBody } from './http/body';
import { databaseUnavailable, errorHandler, unknownRoute } from './http/errors';
import type { RateLimitStores } from './http/rate-limit-stores';
import { writeJsonDirectly } from './http/json-response';
import { requestLog } from './http/request-log';
import { imagesRouter } from './images/router';
import { kickstarterRouter } from './kickstarter/router';
import type { Logger } from './logger';
import { serveOpenApiDocument } from './openapi/document';
import { swaggerUi } from './openapi/swagger-ui';
import { createEmailDomainCheck } from './users/email-domains';
import { usersRouter } from './users/router';
import { profileSchema } from './users/schemas';
import { createUsersService } from './users/service';

export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Database;
  passwords: Passwords;
  tokens: Tokens;
  rateLimits: RateLimitStores;
}

const READY_TIMEOUT_MS = 2000;

/** Security headers and CORS, the same on every app this server runs. */
function commonMiddleware(app: Express, config: Pick<Config, 'corsOrigins'>): void {
  app.disable('x-powered-by');
  app.use(helmet());
  app.use(
    cors({
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      exposedHeaders: ['Link', 'Retry-After', 'WWW-Authenticate'],
    }),
  );
}

const healthy: RequestHandler = (_req, res) => {
  res.json({ status: 'ok' });
};

/** What the server answers while the database is not open yet: alive, but not ready. */
export function createStartingApp(config: Config, logger: Logger): Express {
  const app = express();
  commonMiddleware(app, config);
  app.get('/health', healthy);
  app.use(() => {
    throw databaseUnavailable();
  });
  app.use(errorHandler(logger));
  return app;
}

/** Builds the Express app over its dependencies; `server.ts` listens, tests drive it with supertest. */
export function createApp({ config, logger, db, passwords, tokens, rateLimits }: AppDeps): Express {
  const app = express();
  app.set('trust proxy', config.trustProxyHops);
  // No ETag: hashing every JSON body cost more than conditional GETs save on lists that change.
  app.set('etag', false);
  app.locals.publicUrl = config.publicUrl;
  writeJsonDirectly(app);
  app.use(requestLog(logger));
  commonMiddleware(app, config);

  app.get('/health', healthy);
  app.get('/ready', async (_req, res) => {
    try {
      await db.knex.raw('select 1').timeout(READY_TIMEOUT_MS);
    } catch {
      throw databaseUnavailable();
    }
    res.json({ status: 'ok', database: db.kind });
  });

  // Everything below /health and /ready counts toward the per-IP limit, before any other work.
  const { apiPerMinute, loginFailures, windowSeconds } = config.rateLimit;
  if (apiPerMinute > 0) app.use(apiRateLimit(rateLimits.create('api'), apiPerMinute, logger));
  app.use(jsonBody(config.bodyLimitBytes));

  const requireAuth = authenticate(db.knex, tokens);
  const users = createUsersService(db.knex);
  const throttle = createLoginThrottle(loginFailures > 0 ? rateLimits.create('login') : undefined, loginFailures, windowSeconds);
  const auth = createAuthService({ knex: db.knex, passwords, tokens, users, throttle });
  const checkEmailDomain = config.emailCheckDns ? createEmailDomainCheck() : undefined;

  // The busiest lists first: Express tries every mount in order until one answers.
  app.use('/api/kickstarter', kickstarterRouter({ knex: db.knex, requireAuth }));
  app.use(['/api/images', '/images'], imagesRouter({ knex: db.knex, requireAuth }));
  app.get('/api', (_req, res) => {
    res.json({ api: 'running' });
  });
  app.get('/api/openapi.json', serveOpenApiDocument());
  app.use('/api/docs', swaggerUi('/api/docs', '/api/openapi.json'));
  app.use('/api', authRouter({ auth, registerBody: registerSchema(checkEmailDomain), requireAuth }));
  app.use('/api', usersRouter({ knex: db.knex, users, profileBody: profileSchema(checkEmailDomain), requireAuth }));

  app.use(unknownRoute);
  app.use(errorHandler(logger));
  return app;
}

import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Passwords } from './auth/passwords';
import { authRouter } from './auth/router';
import { registerSchema } from './auth/schemas';
import { createAuthService } from './auth/service';
import type { Tokens } from './auth/tokens';
import { createEmailDomainCheck } from './auth/email-domains';
import type { Config } from './config';
import type { Database } from './db';
import { authenticate } from './http/authenticate';
import { jsonBody } from './http/body';
import { errorHandler, HttpError, unknownRoute } from './http/errors';
import type { Logger } from './logger';
import { usersRouter } from './users/router';

export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Database;
  passwords: Passwords;
  tokens: Tokens;
}

const READY_TIMEOUT_MS = 2000;

/** Builds the Express app over its dependencies; `server.ts` listens, tests drive it with supertest. */
export function createApp({ config, logger, db, passwords, tokens }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxyHops);

  app.use(helmet());
  app.use(
    cors({
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      exposedHeaders: ['Link', 'Retry-After', 'WWW-Authenticate'],
    }),
  );

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    try {
      await db.knex.raw('select 1').timeout(READY_TIMEOUT_MS);
    } catch {
      throw new HttpError(503, 'The database is unavailable.', { headers: { 'Retry-After': '5' } });
    }
    res.json({ status: 'ok', database: db.kind });
  });

  app.use(jsonBody(config.bodyLimitBytes));

  const requireAuth = authenticate(db.knex, tokens);
  const auth = createAuthService({ knex: db.knex, passwords, tokens });
  const registerBody = registerSchema(config.emailCheckDns ? createEmailDomainCheck() : undefined);

  app.get('/api', (_req, res) => {
    res.json({ api: 'running' });
  });
  app.use('/api', authRouter({ auth, registerBody }));
  app.use('/api', usersRouter({ requireAuth }));

  app.use(unknownRoute);
  app.use(errorHandler(logger));
  return app;
}

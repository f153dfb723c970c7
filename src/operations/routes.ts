import { z } from 'zod';
import type { Database } from '../db';
import { databaseUnavailable } from '../http/errors';
import { routesOf } from '../http/routes';
import { swaggerUiPage } from '../openapi/swagger-ui';

const READY_TIMEOUT_MS = 2000;

const route = routesOf<{ db: Database; document: object }>('Operations');

/** The probes a platform polls: before the rate limit, and /health without the database. */
export const probeRoutes = [
  route({
    method: 'get', path: '/health', operationId: 'health',
    summary: 'Liveness',
    description: 'The process is up. Touches no database, is not rate limited, and answers while the server is still starting.',
    auth: 'none',
    probe: 'liveness',
    success: { status: 200, description: 'Up.', schema: z.object({ status: z.literal('ok') }).meta({ id: 'Health' }) },
    handler: () => ({ status: 'ok' }),
  }),
  route({
    method: 'get', path: '/ready', operationId: 'ready',
    summary: 'Readiness',
    description: 'The database answers (within 2 s). Not rate limited.',
    auth: 'none',
    probe: 'readiness',
    success: {
      status: 200,
      description: 'Ready, and which database it uses.',
      schema: z.object({ status: z.literal('ok'), database: z.enum(['postgres', 'embedded']) }).meta({ id: 'Ready' }),
    },
    handler: async (_context, { db }) => {
      try {
        await db.knex.raw('select 1').timeout(READY_TIMEOUT_MS);
      } catch {
        throw databaseUnavailable();
      }
      return { status: 'ok', database: db.kind };
    },
  }),
];

export const operationsRoutes = [
  route({
    method: 'get', path: '/api', operationId: 'apiStatus',
    summary: 'API status',
    description: 'Says the API is running.',
    auth: 'none',
    success: { status: 200, description: 'Running.', schema: z.object({ api: z.literal('running') }).meta({ id: 'ApiStatus' }) },
    handler: () => ({ api: 'running' }),
  }),
  route({
    method: 'get', path: '/api/openapi.json', operationId: 'openApiDocument',
    summary: 'This document',
    description: 'The OpenAPI 3.1 document of every route, for Swagger UI, Postman (Import → Link) and code generators.',
    auth: 'none',
    success: {
      status: 200,
      description: 'The OpenAPI document.',
      schema: z
        .looseObject({
          openapi: z.literal('3.1.0'),
          info: z.looseObject({ title: z.string(), version: z.string() }),
          paths: z.record(z.string(), z.unknown()),
        })
        .meta({ id: 'OpenApiDocument' }),
    },
    handler: (_context, { document }) => document,
  }),
  route({
    method: 'get', path: '/api/docs', operationId: 'swaggerUi',
    summary: 'Swagger UI',
    description:
      'An HTML page (the only response that is not JSON) showing this document, with "Try it out". Its scripts and ' +
      'styles are served from this server under `/api/docs/`; no CDN.',
    auth: 'none',
    success: { status: 200, description: 'The Swagger UI page.', html: true },
    handler: ({ req, res }) => swaggerUiPage(req, res),
  }),
];

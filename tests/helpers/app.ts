import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import type { Knex } from 'knex';
import request from 'supertest';
import type { AppDeps } from '../../src/app';
import { createApp } from '../../src/app';
import { bootstrap } from '../../src/bootstrap';
import { loadConfig } from '../../src/config';
import { createLogger, type Logger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from './databases';
import { matchesApiDocument } from './openapi-responses';
import { assertNoSecrets } from './secrets';

export interface TestApp {
  app: Express;
  deps: AppDeps;
  knex: Knex;
  /** A fresh supertest client of the app; every response it gets is checked for leaked secrets. */
  http(): ReturnType<typeof request>;
  close(): Promise<void>;
}

/**
 * The settings every test app starts from: fast bcrypt, no logs, and no per-IP API limit (every
 * test request comes from one address); the login limit stays on as deployed.
 */
const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  BCRYPT_ROUNDS: '4',
  API_RATE_LIMIT: '0',
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'options', 'head'] as const;

function checkedClient(app: Express): ReturnType<typeof request> {
  const client = request(app);
  for (const method of METHODS) {
    const send = client[method].bind(client);
    client[method] = (url: string) => send(url).expect(assertNoSecrets).expect(matchesApiDocument(method, url));
  }
  return client;
}

/** The real app on a database of its own (see databases.ts), configured like a deployment. */
export async function startTestApp(
  env: Record<string, string> = {},
  database?: TestDatabase,
  logger?: Logger,
  /** `jobs: false`: the app runs no file jobs (for tests that run their own files service). */
  options: { jobs?: boolean } = {},
): Promise<TestApp> {
  const db = database ?? (await createTestDatabase());
  // Uploaded files go to a directory of this app's own, removed with it.
  const uploadDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'uploads-'));
  const config = loadConfig({ ...TEST_ENV, UPLOAD_DIR: uploadDir, ...db.env, ...env });
  const { deps, close } = await bootstrap(config, logger ?? createLogger(config.logLevel), options);
  const app = createApp(deps);
  return {
    app,
    deps,
    knex: deps.db.knex,
    http: () => checkedClient(app),
    close: async () => {
      await close();
      await fs.promises.rm(uploadDir, { recursive: true, force: true });
      if (!database) await db.drop();
    },
  };
}

let counter = 0;

/** A username no other test in this run uses. */
export function uniqueUsername(prefix = 'user'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}`;
}

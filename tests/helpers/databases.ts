import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { migrateToLatest, openDb } from '../../src/db';

/**
 * Every test file gets a database of its own: a copy of a migrated embedded template, or, with
 * TEST_DATABASE_URL, a new database on that PostgreSQL server (dropped when the file is done).
 */
export interface TestDatabase {
  env: Record<string, string>;
  drop(): Promise<void>;
}

export const TEMPLATE_DIR_VARIABLE = 'TEST_EMBEDDED_TEMPLATE_DIR';

export async function createEmbeddedTemplate(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-test-template-'));
  const dataDir = path.join(dir, 'db');
  const db = await openDb({ embeddedDir: dataDir, ssl: false });
  await migrateToLatest(db.knex);
  await db.close();
  return dataDir;
}

export function copyEmbeddedTemplate(): TestDatabase {
  const template = process.env[TEMPLATE_DIR_VARIABLE];
  if (!template) throw new Error(`${TEMPLATE_DIR_VARIABLE} is not set: is the jest globalSetup running?`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-test-'));
  const dataDir = path.join(dir, 'db');
  fs.cpSync(template, dataDir, { recursive: true });
  return {
    env: { EMBEDDED_DB_DIR: dataDir },
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

async function createPostgresDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `api_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw('CREATE DATABASE ??', [name]);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [name]);
      await admin.destroy();
    },
  };
}

export function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  return serverUrl ? createPostgresDatabase(serverUrl) : Promise.resolve(copyEmbeddedTemplate());
}

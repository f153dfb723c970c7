import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDb } from '../../src/db';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { startTestApp } from '../helpers/app';
import { copyEmbeddedTemplate, type TestDatabase } from '../helpers/databases';

let database: TestDatabase;
let dataDir: string;
const lockPath = () => `${path.resolve(dataDir)}.lock`;

beforeEach(() => {
  database = copyEmbeddedTemplate();
  dataDir = database.env.EMBEDDED_DB_DIR!;
});
afterEach(() => database.drop());

/** The pid of a process that has exited: nobody holds a lock with it. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

describe('the embedded database', () => {
  test('when the server restarts, then a user registered before logs in after, and old tokens still work', async () => {
    const first = await startTestApp({}, database);
    await first.http().post('/api/register').send({ username: 'survivor', password: 'password1' }).expect(201);
    const { token } = (await first.http().post('/api/login').send({ username: 'survivor', password: 'password1' })).body;
    await first.close();

    const second = await startTestApp({}, database);
    try {
      const login = await second.http().post('/api/login').send({ username: 'survivor', password: 'password1' });
      expect(login.status).toBe(200);
      expect((await second.http().get('/api/users/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  test('when open, then its directory is locked with our pid, and a second open is refused', async () => {
    const db = await openDb({ embeddedDir: dataDir, ssl: false });
    try {
      expect(fs.readFileSync(lockPath(), 'utf8')).toBe(String(process.pid));
      await expect(openDb({ embeddedDir: dataDir, ssl: false })).rejects.toThrow(
        new RegExp(`in use by process ${process.pid}`),
      );
    } finally {
      await db.close();
    }
    expect(fs.existsSync(lockPath())).toBe(false);
  });

  test('when closed twice, then the second close does nothing, not even to a newer open of the directory', async () => {
    const first = await openDb({ embeddedDir: dataDir, ssl: false });
    await first.close();
    const second = await openDb({ embeddedDir: dataDir, ssl: false });
    try {
      await first.close();
      expect(fs.readFileSync(lockPath(), 'utf8')).toBe(String(process.pid));
      expect((await second.knex.raw('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await second.close();
    }
    expect(fs.existsSync(lockPath())).toBe(false);
  });

  test('when a live process holds the lock, then opening is refused, naming it', async () => {
    fs.writeFileSync(lockPath(), String(process.ppid));
    await expect(openDb({ embeddedDir: dataDir, ssl: false })).rejects.toThrow(`in use by process ${process.ppid}`);
    expect(fs.readFileSync(lockPath(), 'utf8')).toBe(String(process.ppid));
    fs.rmSync(lockPath());
  });

  test('when the lock was left by a process that is gone, then it is taken over', async () => {
    fs.writeFileSync(lockPath(), String(deadPid()));
    const db = await openDb({ embeddedDir: dataDir, ssl: false });
    try {
      expect(fs.readFileSync(lockPath(), 'utf8')).toBe(String(process.pid));
      expect((await db.knex.raw('select count(*)::int as n from users')).rows[0].n).toBe(0);
    } finally {
      await db.close();
    }
  });

  test('when EMBEDDED_DB_DIR is memory://, then nothing is written to disk and the database works', async () => {
    const db = await openDb({ embeddedDir: 'memory://', ssl: false });
    try {
      expect((await db.knex.raw('select 1 as one')).rows).toEqual([{ one: 1 }]);
      expect(fs.existsSync('memory:')).toBe(false);
    } finally {
      await db.close();
    }
  });
});

describe('a new embedded data directory', () => {
  test('when a template is there, then a new directory starts as its copy, and one that holds data is left alone', async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'template-test-'));
    try {
      // A template with a mark of its own, to tell a copy from an initdb.
      const template = path.join(scratch, 'template');
      const made = await PGlite.create(template);
      await made.exec('create table made_from_template (id int)');
      await made.close();

      const fresh = await startEmbeddedPostgres(path.join(scratch, 'fresh'), template);
      const client = new pg.Client(fresh.connection);
      await client.connect();
      const { rows } = await client.query("select to_regclass('made_from_template') is not null as copied");
      await client.end();
      await fresh.close();
      expect(rows).toEqual([{ copied: true }]);

      const kept = await startEmbeddedPostgres(dataDir, template);
      const other = new pg.Client(kept.connection);
      await other.connect();
      const existing = await other.query("select to_regclass('made_from_template') is null as untouched, to_regclass('users') is not null as migrated");
      await other.end();
      await kept.close();
      expect(existing.rows).toEqual([{ untouched: true, migrated: true }]);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});

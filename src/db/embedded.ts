import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const IN_MEMORY = 'memory://';

/** Where the `pg` driver reaches the embedded database: a private Unix socket, never a TCP port. */
interface EmbeddedConnection {
  host: string;
  port: number;
  user: string;
  database: string;
}

export interface EmbeddedPostgres {
  connection: EmbeddedConnection;
  close(): Promise<void>;
}

const SOCKET_PORT = 5432;

/**
 * A freshly initialised PGlite data directory that `npm install` made (scripts/embedded-template.mjs,
 * which computes the same path), named by PGlite's version so that an upgrade makes a new one.
 */
function templateDir(): string {
  let packageDir = path.dirname(require.resolve('@electric-sql/pglite'));
  while (!fs.existsSync(path.join(packageDir, 'package.json'))) packageDir = path.dirname(packageDir);
  const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return path.join(packageDir, '..', '..', '.cache', 'unified-api', `pglite-${version}`);
}

/**
 * Starts a new data directory as a copy of `template` when there is one: copying takes a fraction
 * of a second where PGlite's initdb takes seconds. A directory that holds anything is left as it is.
 */
function startFromTemplate(dataDir: string, template: string): void {
  const isNew = !fs.existsSync(dataDir) || fs.readdirSync(dataDir).length === 0;
  if (isNew && fs.existsSync(template)) fs.cpSync(template, dataDir, { recursive: true });
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite does not lock its data directory, and two processes writing one directory lose
 * committed rows. A lock file holding the owner's pid keeps a second process out; a lock whose
 * pid is gone (the owner was killed) is stale and taken over.
 */
function lockDataDirectory(dataDir: string): () => void {
  const lockPath = `${path.resolve(dataDir)}.lock`;
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  for (;;) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(owner) && owner > 0 && isProcessAlive(owner)) {
        throw new Error(
          `The embedded database in ${dataDir} is in use by process ${owner} (lock file ${lockPath}). ` +
            'Stop that process, or set EMBEDDED_DB_DIR to another directory.',
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  return () => {
    const owner = fs.readFileSync(lockPath, 'utf8');
    if (owner === String(process.pid)) fs.rmSync(lockPath, { force: true });
  };
}

/**
 * Starts PGlite (PostgreSQL compiled to WebAssembly, in this process) and serves it over the
 * PostgreSQL wire protocol, so the ordinary `pg` driver and knex use it exactly like a server.
 * PGlite has one session: the socket server takes one connection, and the knex pool is one.
 */
export async function startEmbeddedPostgres(dataDir: string, template = templateDir()): Promise<EmbeddedPostgres> {
  const inMemory = dataDir === IN_MEMORY;
  const releaseLock = inMemory ? () => undefined : lockDataDirectory(dataDir);
  const cleanups: Array<() => Promise<void> | void> = [releaseLock];
  // Runs once, newest first; a later call waits for the same run instead of releasing a lock or
  // closing a PGlite that may belong to a newer open of the same directory by then.
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      for (const cleanup of [...cleanups].reverse()) await cleanup();
    })());

  try {
    if (!inMemory) {
      startFromTemplate(dataDir, template);
      fs.mkdirSync(dataDir, { recursive: true });
    }
    const pglite = await PGlite.create(inMemory ? IN_MEMORY : path.resolve(dataDir));
    cleanups.push(() => pglite.close());

    const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-'));
    cleanups.push(() => fs.rmSync(socketDir, { recursive: true, force: true }));
    const server = new PGLiteSocketServer({
      db: pglite,
      path: path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`),
      maxConnections: 1,
    });
    await server.start();
    cleanups.push(() => server.stop());

    return {
      connection: { host: socketDir, port: SOCKET_PORT, user: 'postgres', database: 'postgres' },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

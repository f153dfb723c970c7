import dotenv from 'dotenv';
import { ConfigError, type Config, loadConfig } from '../config';
import { type Database, openDb } from '../db';

/** Runs a one-off command (migrate, seed) against the configured database, then closes it. */
export function runCommand(command: (db: Database, config: Config) => Promise<void>): void {
  const run = async () => {
    dotenv.config({ quiet: true });
    const config = loadConfig();
    const db = await openDb(config.database);
    try {
      await command(db, config);
    } finally {
      await db.close();
    }
  };
  run().catch((error: unknown) => {
    console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

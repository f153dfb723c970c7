import { seedsConfig } from '../../knexfile';
import { migrateToLatest } from '../db';
import { runCommand } from './run';

runCommand(async (db, config) => {
  if (config.production) throw new Error('Refusing to load demo data with NODE_ENV=production.');
  await migrateToLatest(db.knex);
  const [files] = (await db.knex.seed.run(seedsConfig)) as [string[]];
  console.log(`Ran ${files.length} seed file(s)`);
});

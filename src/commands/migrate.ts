import { migrateToLatest } from '../db';
import { runCommand } from './run';

runCommand(async (db) => {
  const applied = await migrateToLatest(db.knex);
  console.log(applied.length > 0 ? `Applied ${applied.join(', ')}` : 'Already up to date');
});

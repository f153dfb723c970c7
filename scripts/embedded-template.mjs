// `npm install` runs this (postinstall): PGlite's initdb, the 2–4 s of a first `npm start` on a new
// embedded database, done once here into node_modules/.cache (the path: `templateDir` in
// src/db/embedded.ts). Every new data directory then starts as a copy of it, and migrations run as
// usual. A failure here only costs that first start its initdb: it never fails the install.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

try {
  let packageDir = path.dirname(require.resolve('@electric-sql/pglite'));
  while (!fs.existsSync(path.join(packageDir, 'package.json'))) packageDir = path.dirname(packageDir);
  const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const target = path.join(packageDir, '..', '..', '.cache', 'unified-api', `pglite-${version}`);
  if (!fs.existsSync(target)) {
    const { PGlite } = await import('@electric-sql/pglite');
    const building = `${target}.${process.pid}`;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const db = await PGlite.create(building);
    await db.close();
    fs.renameSync(building, target);
  }
} catch (error) {
  console.warn(`embedded database template not made (a first start will run initdb): ${error instanceof Error ? error.message : error}`);
}

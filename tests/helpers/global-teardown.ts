import fs from 'node:fs';
import path from 'node:path';
import { TEMPLATE_DIR_VARIABLE } from './databases';

export default async function globalTeardown(): Promise<void> {
  const template = process.env[TEMPLATE_DIR_VARIABLE];
  if (template) fs.rmSync(path.dirname(template), { recursive: true, force: true });
}

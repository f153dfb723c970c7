import { createEmbeddedTemplate, TEMPLATE_DIR_VARIABLE } from './databases';

/**
 * One migrated embedded database, copied by every test file that needs one: seconds of initdb
 * paid once. Made on the PostgreSQL leg too, for the tests of the embedded database itself.
 */
export default async function globalSetup(): Promise<void> {
  process.env[TEMPLATE_DIR_VARIABLE] = await createEmbeddedTemplate();
}

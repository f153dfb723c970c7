// The database room: connections (PostgreSQL or embedded), SQL, pages of lists, timestamps, and
// what database errors mean. Features and http/ use it through this file.
export { type Database, type DbKind, migrateToLatest, openDb } from './connection';
export { isDatabaseUnavailable, isOwnerGone, isUnstorableText, uniqueViolation } from './errors';
export { type ListQuery, type Page, type PageQuery, readPage } from './pages';
export { queryRows, type Sql, sql } from './sql';
export { isoTimestampSql } from './timestamps';

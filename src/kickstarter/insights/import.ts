import { once } from 'node:events';
import fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import { type CsvError, parse } from 'csv-parse';
import type { Knex } from 'knex';
import { from as copyFrom } from 'pg-copy-streams';
import type { DbKind } from '../../db';
import { BadRow, PAST_CAMPAIGN_COLUMNS, type PastCampaignRow, REQUIRED_HEADERS, toPastCampaign } from './csv-rows';
import { LONG_QUERY_TIMEOUT_MS, longQuery } from './long-query';

export interface ImportProgress {
  bytes: number;
  /** The file's size, or the response's Content-Length when it sent one. */
  totalBytes?: number;
  rows: number;
}

export interface BadRowReport {
  /** The line of the file where the record ends (a quoted name may span lines). */
  line: number;
  reason: string;
}

export interface ImportOptions {
  /** Also fetch http:// URLs (tests serve their CSV from a local server); else https:// only. */
  allowPlainHttp?: boolean;
  onProgress?(progress: ImportProgress): void;
  onBadRow?(bad: BadRowReport): void;
}

export interface ImportSummary {
  /** Rows read and accepted (a source id listed twice counts twice; the later line wins). */
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  badRows: number;
}

const BATCH_ROWS = 2_000;
const STAGING = 'past_campaigns_import';

async function openSource(location: string, allowPlainHttp: boolean): Promise<{ stream: Readable; totalBytes?: number }> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    const url = new URL(location);
    if (url.protocol !== 'https:' && !(allowPlainHttp && url.protocol === 'http:')) {
      throw new Error(`Only https:// URLs are fetched, not ${url.protocol}//`);
    }
    const response = await fetch(url);
    if (!response.ok || !response.body) throw new Error(`GET ${url.href} answered ${response.status}`);
    const length = Number(response.headers.get('content-length'));
    // A compressed response's length is not the length of what is read.
    const compressed = Boolean(response.headers.get('content-encoding'));
    return { stream: Readable.fromWeb(response.body as never), totalBytes: length > 0 && !compressed ? length : undefined };
  }
  const { size } = await fs.promises.stat(location);
  return { stream: fs.createReadStream(location), totalBytes: size };
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A text in COPY's text format (backslash escapes); most have nothing to escape. */
const copyText = (value: string) => (/[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : value);

/** One row as a line of COPY's text format, written out column by column: the import's hot path. */
const copyLine = ({ row, line }: Staged) =>
  `${row.source_id}\t${copyText(row.name)}\t${copyText(row.category)}\t${copyText(row.main_category)}\t${row.country ?? '\\N'}\t` +
  `${row.goal_usd}\t${row.pledged_usd}\t${row.backers}\t${row.launched}\t${row.deadline}\t${row.state}\t${line}\n`;

interface Staged {
  row: PastCampaignRow;
  line: number;
}

type StageBatch = (batch: Staged[]) => Promise<void>;

interface Staging {
  stage: StageBatch;
  close(): Promise<void>;
  /** Ends a COPY in progress with an error, so that the session can roll back. */
  abort(error: Error): Promise<void>;
}

/**
 * Rows go into a temporary table first: on PostgreSQL by COPY (one stream for the whole file),
 * on the embedded database by multi-row INSERTs, since PGlite's socket server ends the session
 * on COPY FROM STDIN.
 */
async function openStaging(trx: Knex.Transaction, kind: DbKind): Promise<Staging> {
  const columns = [...PAST_CAMPAIGN_COLUMNS, 'line'];
  await trx.raw(
    `CREATE TEMP TABLE ${STAGING} ON COMMIT DROP AS SELECT ${PAST_CAMPAIGN_COLUMNS.join(', ')}, 0 AS line FROM past_campaigns WITH NO DATA`,
  );
  if (kind === 'embedded') {
    return {
      stage: async (batch) => {
        await trx(STAGING).insert(batch.map(({ row, line }) => ({ ...row, line })));
      },
      close: async () => undefined,
      abort: async () => undefined,
    };
  }
  const connection = (await trx.client.acquireConnection()) as { query<T>(query: T): T };
  const copy = copyFrom(`COPY ${STAGING} (${columns.join(', ')}) FROM STDIN`);
  // The pool's deadlines (src/db/query-deadlines.ts) read a query's own timeout from it: a
  // million-row COPY outlasts the 10 s of knexfile.ts.
  Object.assign(copy, { query_timeout: LONG_QUERY_TIMEOUT_MS });
  const stream = connection.query(copy);
  return {
    stage: async (batch) => {
      if (!stream.write(batch.map(copyLine).join(''))) await once(stream, 'drain');
    },
    close: async () => {
      stream.end();
      await finished(stream);
    },
    abort: async (error) => {
      // pg-copy-streams answers a destroy with CopyFail: the server ends the COPY, the session lives.
      stream.destroy(error);
      await finished(stream).catch(() => undefined);
    },
  };
}

const COLUMNS = [...PAST_CAMPAIGN_COLUMNS, 'duration_days'];
const UPDATABLE = COLUMNS.filter((column) => column !== 'source_id');
// Days from launch to deadline, with their fraction, computed by PostgreSQL as rows move over: in
// JavaScript, writing a float per row as text cost more than the whole subtraction.
const DURATION_DAYS = '(extract(epoch FROM deadline - launched) / 86400)::float8';

/** Staged rows into the dataset: new ids inserted, changed rows updated, identical rows left alone. */
async function upsertStaged(trx: Knex.Transaction): Promise<{ inserted: number; updated: number; distinct: number }> {
  const [counts] = await longQuery<{ inserted: number; updated: number }>(
    trx,
    `WITH upserted AS (
       INSERT INTO past_campaigns (${COLUMNS.join(', ')})
       SELECT DISTINCT ON (source_id) ${PAST_CAMPAIGN_COLUMNS.join(', ')}, ${DURATION_DAYS}
       FROM ${STAGING} ORDER BY source_id, line DESC
       ON CONFLICT (source_id) DO UPDATE SET ${UPDATABLE.map((column) => `${column} = excluded.${column}`).join(', ')}
       WHERE (${UPDATABLE.map((column) => `past_campaigns.${column}`).join(', ')})
         IS DISTINCT FROM (${UPDATABLE.map((column) => `excluded.${column}`).join(', ')})
       RETURNING xmax = 0 AS inserted
     )
     SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM upserted`,
  );
  const [{ distinct }] = (await longQuery<{ distinct: number }>(trx, `SELECT count(DISTINCT source_id)::int AS distinct FROM ${STAGING}`)) as [
    { distinct: number },
  ];
  return { ...counts!, distinct };
}

/**
 * Column positions by name. ks-projects-201612.csv writes its names with a trailing space and
 * ends with empty columns; the first of two same-named columns is read.
 */
function readHeader(names: string[]): Map<string, number> {
  const header = new Map<string, number>();
  names.forEach((name, index) => {
    if (!header.has(name.trim())) header.set(name.trim(), index);
  });
  const missing = REQUIRED_HEADERS.filter((name) => !header.has(name));
  if (missing.length > 0) throw new Error(`Not a Kickstarter projects CSV: no column ${missing.join(', ')}`);
  return header;
}

function csvParser(onBadRow: (bad: BadRowReport) => void) {
  const parser = parse({
    bom: true,
    // Records as arrays, read through the header's positions: objects cost a third of the parse.
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
  });
  // Each record with the line it ends on. csv-parse's `info: true` gives that too, but as a copy of
  // its whole state per record, which took a quarter of the import's time: its live line count,
  // read as the record is pushed, is the same number (the import test checks every bad row's line).
  const push = parser.push.bind(parser);
  parser.push = (record: unknown) => push(record === null ? null : { record, line: parser.info.lines });
  // One malformed line can raise several errors (each stray quote): it is one bad row.
  let lastLine = -1;
  parser.on('skip', (error: CsvError & { lines?: number }) => {
    const line = error.lines ?? 0;
    if (line !== lastLine) onBadRow({ line, reason: error.message });
    lastLine = line;
  });
  return parser;
}

/**
 * Streams a Kickstarter projects CSV (a path or an https URL) into `past_campaigns`, in one
 * transaction: readers see the old dataset or the new one, never half of it. Idempotent by
 * source id. Bad rows are reported through `onBadRow` and counted, never fatal; a file that is
 * not such a CSV at all (missing columns) is.
 */
export async function importCampaignsCsv(
  knex: Knex,
  kind: DbKind,
  location: string,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const { stream, totalBytes } = await openSource(location, options.allowPlainHttp ?? false);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  let badRows = 0;
  const reportBad = (bad: BadRowReport) => {
    badRows += 1;
    options.onBadRow?.(bad);
  };
  const parser = csvParser(reportBad);
  stream.on('error', (error) => parser.destroy(error));
  stream.pipe(counter).pipe(parser);

  // A failed import stops reading its source too.
  return knex.transaction(async (trx) => {
    const staging = await openStaging(trx, kind);
    let rows = 0;
    let batch: Staged[] = [];
    const flush = async () => {
      if (batch.length > 0) await staging.stage(batch);
      rows += batch.length;
      batch = [];
      options.onProgress?.({ bytes, totalBytes, rows });
    };
    let header: Map<string, number> | undefined;
    try {
      for await (const { record, line } of parser as AsyncIterable<{ record: string[]; line: number }>) {
        if (!header) {
          header = readHeader(record);
          continue;
        }
        try {
          batch.push({ row: toPastCampaign({ fields: record, header }), line });
        } catch (error) {
          if (!(error instanceof BadRow)) throw error;
          reportBad({ line, reason: error.message });
        }
        if (batch.length === BATCH_ROWS) await flush();
      }
      await flush();
    } catch (error) {
      await staging.abort(error as Error);
      throw error;
    }
    await staging.close();
    const { inserted, updated, distinct } = await upsertStaged(trx);
    return { rows, inserted, updated, unchanged: distinct - inserted - updated, badRows };
  }).finally(() => stream.destroy());
}

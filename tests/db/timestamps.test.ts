import { isoTimestamp } from '../../src/db/timestamps';
import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

// Each PostgreSQL literal and the ISO string Date#toISOString makes of it.
const CASES: Array<[string, string]> = [
  ['2026-11-21 09:11:40+00', '2026-11-21T09:11:40.000Z'],
  ['2026-11-21 09:11:40.5+00', '2026-11-21T09:11:40.500Z'],
  ['2026-11-21 09:11:40.12+00', '2026-11-21T09:11:40.120Z'],
  ['2026-11-21 09:11:40.123+00', '2026-11-21T09:11:40.123Z'],
  ['2026-11-21 09:11:40.123999+00', '2026-11-21T09:11:40.123Z'],
  ['2026-12-31 23:59:59.999999-05', '2027-01-01T04:59:59.999Z'],
  ['2000-02-29 00:00:00.000001+05:30', '2000-02-28T18:30:00.000Z'],
  ['0099-01-01 00:00:00.01+00', '0099-01-01T00:00:00.010Z'],
  ['10000-01-01 00:00:00+00', '+010000-01-01T00:00:00.000Z'],
];

const selectAll = (sql: string) => t.knex.raw(sql, [CASES.map(([literal]) => literal)]);

describe('timestamps', () => {
  test('when timestamps are read, then they arrive as the ISO strings Date#toISOString would make', async () => {
    const { rows } = (await selectAll('select unnest(?::timestamptz[]) as at')) as { rows: Array<{ at: unknown }> };
    expect(rows.map((row) => row.at)).toEqual(CASES.map(([, iso]) => iso));
    for (const [, iso] of CASES) expect(new Date(iso).toISOString()).toBe(iso);
  });

  test('when a session is in another time zone, then the same instants give the same strings', async () => {
    const rows = await t.knex.transaction(async (trx) => {
      await trx.raw("set local time zone 'Asia/Kolkata'");
      const result = (await trx.raw('select unnest(?::timestamptz[]) as at, unnest(?::timestamptz[])::text as text', [
        CASES.map(([literal]) => literal),
        CASES.map(([literal]) => literal),
      ])) as { rows: Array<{ at: unknown; text: string }> };
      return result.rows;
    });
    expect(rows.map((row) => row.at)).toEqual(CASES.map(([, iso]) => iso));
    expect(rows.filter((row) => row.text.endsWith('+00'))).toEqual([]); // The long way was taken.
  });

  test('when the text is not a finite instant, then it is passed on as it is', () => {
    expect(isoTimestamp('infinity')).toBe('infinity');
  });
});

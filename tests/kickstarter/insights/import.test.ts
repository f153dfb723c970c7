import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../../helpers/app';
import { generateCsvLines, HEADER_201801 } from '../../helpers/kickstarter-csv';
import { csvFile, importInto, removeCsvFiles } from './dataset';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
  removeCsvFiles();
});

const ROWS = 5000;
const count = async (table: string) => Number((await t.knex(table).count({ n: '*' }).first())!.n);

describe('importing a Kickstarter projects CSV', () => {
  test('when the file has bad rows, then each is reported with its line and why, and every good row is imported', async () => {
    const file = await csvFile({ rows: ROWS, badEvery: 500 });
    const result = await importInto(t, file);
    expect(result.badRows).toBe(10);
    expect(result.bad).toHaveLength(10);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    for (const { line, reason } of result.bad) {
      expect(lines[line - 1]).toMatch(/^\d+,"(Broken goal|Too short|Bad "quote" here|Bad date|Bad state)"/);
      expect(reason).toMatch(/usd_goal_real is not an amount|too few columns|Invalid Closing Quote|deadline is not a date|state is not one of/);
    }
    expect(result).toMatchObject({ rows: ROWS - 10, inserted: ROWS - 10, updated: 0, unchanged: 0 });
    expect(await count('past_campaigns')).toBe(ROWS - 10);
    expect(result.quality!.auc).toBeGreaterThan(0.5);
  });

  test('when names hold commas, doubled quotes and non-ASCII letters, then they are stored as written', async () => {
    const names: string[] = (await t.knex('past_campaigns').pluck('name')) as string[];
    expect(names.some((name) => /, the "[^"]+" edition$/.test(name))).toBe(true);
    expect(names.some((name) => name.includes('日本の'))).toBe(true);
    expect(names.some((name) => name.includes('Ñandú'))).toBe(true);
    const row = await t.knex('past_campaigns').where({ source_id: 1_000_001 }).first();
    expect(row).toMatchObject({ name: 'Ñandú Legends', category: 'Games', main_category: 'Games', country: 'US', state: 'successful' });
  });

  test('when the same file is imported again, then nothing changes', async () => {
    const before = await t.knex('past_campaigns').orderBy('source_id');
    const result = await importInto(t, await csvFile({ rows: ROWS, badEvery: 500 }));
    expect(result).toMatchObject({ inserted: 0, updated: 0, unchanged: ROWS - 10, badRows: 10 });
    expect(await t.knex('past_campaigns').orderBy('source_id')).toEqual(before);
  });

  test('when a newer file changes some campaigns and adds others, then those are updated and added', async () => {
    const version = (await t.knex('campaign_dataset').first()).version as number;
    const result = await importInto(t, await csvFile({ rows: 1000, firstId: 1_004_500, seed: 1, pledgedBonus: 1 }));
    // Ids 1,004,500–1,004,999 were in the first file (with other values) but 1,004,999, a bad row
    // there; 1,005,000–1,005,499 were not.
    expect(result).toMatchObject({ inserted: 501, badRows: 0 });
    expect(result.updated + result.unchanged).toBe(499);
    expect(result.updated).toBeGreaterThan(400);
    expect(await count('past_campaigns')).toBe(ROWS - 10 + 501);
    expect((await t.knex('campaign_dataset').first()).version).toBe(version + 1);
  });

  test('when the file is in the 201612 format, then USD rows are imported and other currencies reported', async () => {
    const lines = [...generateCsvLines({ rows: 300, format: '201612', firstId: 2_000_000, seed: 7 })];
    const file = await csvFile({ rows: 0 });
    fs.writeFileSync(file, `${lines.join('\r\n')}\r\n`);
    const result = await importInto(t, file);
    const usd = lines.slice(1).filter((line) => line.split(',').includes('USD')).length;
    expect(usd).toBeGreaterThan(20);
    expect(result.rows).toBe(usd);
    expect(result.bad.every(({ reason }) => /goal is in (GBP|CAD|JPY|EUR|AUD) and the file has no usd_goal_real/.test(reason))).toBe(true);
    expect(result.badRows).toBe(300 - usd);
    const row = await t.knex('past_campaigns').where('source_id', '>=', 2_000_000).orderBy('source_id').first();
    expect(row.deadline).toMatch(/T11:36:00/);
  });

  test('when a quoted name spans lines, then later bad rows still get their own line numbers; dates are checked for real', async () => {
    const row = (id: number, name: string, deadline: string) =>
      `${id},${name},Rock,Music,USD,${deadline},100,2015-08-11 12:12:28,10,failed,1,US,10,10.00,100.00`;
    const file = await csvFile({ rows: 0 });
    const lines = [
      HEADER_201801,
      row(5_000_001, '"Two\nlines, ""quoted"""', '2015-10-09'),
      row(5_000_002, 'Leap', '2016-02-29'),
      '',
      row(5_000_003, 'Not leap', '2015-02-29'),
      row(5_000_004, 'Late', '2015-08-10'),
    ];
    fs.writeFileSync(file, lines.join('\n'));
    const result = await importInto(t, file);
    expect(result.bad).toEqual([
      { line: 6, reason: 'deadline is not a date: "2015-02-29"' },
      { line: 7, reason: 'deadline is before launched' },
    ]);
    expect(await t.knex('past_campaigns').where('source_id', 5_000_001).first()).toMatchObject({ name: 'Two\nlines, "quoted"' });
    expect((await t.knex('past_campaigns').where('source_id', 5_000_002).first()).deadline).toMatch(/^2016-02-29T00:00:00/);
  });

  test('when the file is not such a CSV, then the import fails and nothing changes', async () => {
    const before = await count('past_campaigns');
    const file = await csvFile({ rows: 0 });
    fs.writeFileSync(file, 'id,title\n1,x\n');
    await expect(importInto(t, file)).rejects.toThrow('Not a Kickstarter projects CSV: no column ID, name, category');
    await expect(importInto(t, '/nonexistent/file.csv')).rejects.toThrow(/ENOENT/);
    expect(await count('past_campaigns')).toBe(before);
  });
});

describe('importing from a URL', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    const body = `${[...generateCsvLines({ rows: 2000, firstId: 3_000_000, seed: 3 })].join('\n')}\n`;
    server = http.createServer((req, res) => {
      if (req.url !== '/ks-projects.csv') return void res.writeHead(404).end();
      // Sent in pieces, as a large download arrives.
      res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Length': Buffer.byteLength(body) });
      const bytes = Buffer.from(body);
      for (let i = 0; i < bytes.length; i += 16_384) res.write(bytes.subarray(i, i + 16_384));
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  test('when the URL is plain http, then it is refused unless allowed (tests only)', async () => {
    await expect(importInto(t, `${base}/ks-projects.csv`)).rejects.toThrow('Only https:// URLs are fetched, not http://');
    await expect(importInto(t, 'ftp://example.com/x.csv')).rejects.toThrow('Only https:// URLs are fetched');
  });

  test('when the URL answers, then the file is streamed in with progress; a 404 fails the import', async () => {
    const progress: number[] = [];
    const result = await importInto(t, `${base}/ks-projects.csv`, {
      allowPlainHttp: true,
      onProgress: ({ bytes, totalBytes }) => progress.push(bytes / totalBytes!),
    });
    expect(result).toMatchObject({ rows: 2000, inserted: 2000 });
    expect(progress.at(-1)).toBe(1);
    await expect(importInto(t, `${base}/missing.csv`, { allowPlainHttp: true })).rejects.toThrow(/answered 404/);
  });
});

describe('importing while the server runs', () => {
  test('when requests arrive during an import, then every one is answered', async () => {
    const file = await csvFile({ rows: 4000, firstId: 4_000_000, seed: 4 });
    let done = false;
    const importing = importInto(t, file).finally(() => (done = true));
    const statuses: number[] = [];
    while (!done) statuses.push((await t.http().get('/api/kickstarter?limit=5')).status);
    expect((await importing).inserted).toBe(4000);
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([200]));
  });

  test('an empty file imports nothing and fails nothing', async () => {
    const file = await csvFile({ rows: 0 });
    fs.writeFileSync(file, `${HEADER_201801}\n\n`);
    expect(await importInto(t, file)).toMatchObject({ rows: 0, inserted: 0, badRows: 0 });
  });
});

describe('two imports at once', () => {
  test('when two imports finish together, then both succeed and the dataset version counts both', async () => {
    const version = (await t.knex('campaign_dataset').first()).version as number;
    const [a, b] = await Promise.all([
      importInto(t, await csvFile({ rows: 1500, firstId: 6_000_000, seed: 8 })),
      importInto(t, await csvFile({ rows: 1500, firstId: 6_001_000, seed: 9 })),
    ]);
    expect(a.inserted + b.inserted).toBe(2500);
    expect((await t.knex('campaign_dataset').first()).version).toBe(version + 2);
    expect(await count('past_goal_stats')).toBeGreaterThan(0);
  });
});

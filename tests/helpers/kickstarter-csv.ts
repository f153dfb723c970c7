import fs from 'node:fs';

/**
 * Generated "Kickstarter projects" CSVs in exactly the Kaggle files' formats, with a signal a
 * model can learn: success is less likely as the goal grows, and varies with the category, the
 * country, the duration and a few words of the name. Deterministic for a given seed.
 */

type CsvFormat = '201801' | '201612';

export const HEADER_201801 = 'ID,name,category,main_category,currency,deadline,goal,launched,pledged,state,backers,country,usd pledged,usd_pledged_real,usd_goal_real';
const HEADER_201612 = 'ID ,name ,category ,main_category ,currency ,deadline ,goal ,launched ,pledged ,state ,backers ,country ,usd pledged ,,,,';

/** [category, main category, log-odds of success]. */
export const CATEGORIES: Array<[string, string, number]> = [
  ['Tabletop Games', 'Games', 1.0],
  ['Video Games', 'Games', -0.6],
  ['Games', 'Games', 0.2],
  ['Product Design', 'Design', 0.3],
  ['Space Exploration', 'Technology', -0.4],
  ['Apps', 'Technology', -1.3],
  ['Documentary', 'Film & Video', 0.1],
  ['Shorts', 'Film & Video', 0.6],
  ['Rock', 'Music', 0.5],
  ['Fiction', 'Publishing', -0.5],
  ['Comic Books', 'Comics', 1.1],
  ['Theater', 'Theater', 0.9],
];

/** [ISO code, currency, USD per unit, log-odds]. */
const COUNTRIES: Array<[string, string, number, number]> = [
  ['US', 'USD', 1, 0.2],
  ['GB', 'GBP', 1.3, 0.1],
  ['CA', 'CAD', 0.75, -0.2],
  ['JP', 'JPY', 0.009, 0.4],
  ['DE', 'EUR', 1.1, -0.4],
  ['AU', 'AUD', 0.72, -0.3],
];

const WORDS = ['Deluxe', 'Card', 'Café', 'Über', 'Ñandú', '日本の', 'Quest', 'Album', 'Journal', 'Legends', 'Edition', 'Project'];
const GOOD_WORD = 'Robot';
const BAD_WORD = 'Reboot';

/** mulberry32: a small seeded generator, so a seed always makes the same file. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const pad = (n: number) => String(n).padStart(2, '0');
const day = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
const dateTime = (d: Date) => `${day(d)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
/** RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

export interface GenerateOptions {
  rows: number;
  seed?: number;
  format?: CsvFormat;
  /** Source ids start here (a second file can update or extend a first). */
  firstId?: number;
  /** Every `badEvery`-th line is a malformed row (0: none). */
  badEvery?: number;
  /** Added to every pledged amount: a "newer file" of the same campaigns. */
  pledgedBonus?: number;
}

const BAD_ROWS = [
  (id: number) => `${id},"Broken goal",Rock,Music,USD,2015-10-09,lots,2015-08-11 12:12:28,10,failed,1,US,10,10,lots`,
  (id: number) => `${id},"Too short",Rock`,
  (id: number) => `${id},"Bad "quote" here",Rock,Music,USD,2015-10-09,100,2015-08-11 12:12:28,10,failed,1,US,10,10,100`,
  (id: number) => `${id},"Bad date",Rock,Music,USD,2015-13-40,100,2015-08-11 12:12:28,10,failed,1,US,10,10,100`,
  (id: number) => `${id},"Bad state",Rock,Music,USD,2015-10-09,100,2015-08-11 12:12:28,10,exploded,1,US,10,10,100`,
];

/** One row's fields, as the 201801 file writes them. */
function campaignFields(id: number, rand: () => number, pledgedBonus: number): string[] {
  const [category, main, categoryOdds] = pick(rand, CATEGORIES);
  const [country, currency, rate, countryOdds] = pick(rand, COUNTRIES);
  const goalUsd = Math.round(10 ** (2 + rand() * 4.5) / 50) * 50 || 50;
  const duration = pick(rand, [15, 20, 30, 30, 30, 45, 60]);
  const words = [pick(rand, WORDS), pick(rand, WORDS)];
  const special = rand();
  if (special < 0.08) words.push(GOOD_WORD);
  else if (special < 0.16) words.push(BAD_WORD);
  let name = words.join(' ');
  if (rand() < 0.05) name = `${name}, the "${pick(rand, WORDS)}" edition`;
  const odds =
    categoryOdds + countryOdds - 1.1 * (Math.log10(goalUsd) - 3.7) - (duration - 30) / 40 +
    (name.includes(GOOD_WORD) ? 1.2 : 0) - (name.includes(BAD_WORD) ? 1.2 : 0);
  const success = rand() < 1 / (1 + Math.exp(-odds));
  const stateRoll = rand();
  const state = success ? 'successful' : stateRoll < 0.8 ? 'failed' : stateRoll < 0.95 ? 'canceled' : 'suspended';
  const finalState = rand() < 0.02 ? pick(rand, ['live', 'undefined']) : state;
  const pledgedUsd = Math.round((success ? goalUsd * (1 + rand() * rand() * 3) : goalUsd * rand() * 0.6) * 100) / 100 + pledgedBonus;
  const backers = Math.max(success ? 1 : 0, Math.round(pledgedUsd / (20 + rand() * 80)));
  const launched = new Date(Date.UTC(2010, 0, 1) + Math.floor(rand() * 7 * 365 * 86_400) * 1000);
  const deadline = new Date(launched.getTime() + duration * 86_400_000);
  const local = (usd: number) => (usd / rate).toFixed(2);
  return [
    String(id), name, category, main, currency, day(deadline), local(goalUsd), dateTime(launched), local(pledgedUsd), finalState,
    String(backers), country, pledgedUsd.toFixed(2), pledgedUsd.toFixed(2), goalUsd.toFixed(2),
  ];
}

/** The CSV text, line by line (header first), ready to be written or served. */
export function* generateCsvLines({ rows, seed = 1, format = '201801', firstId = 1_000_000, badEvery = 0, pledgedBonus = 0 }: GenerateOptions): Generator<string> {
  const rand = random(seed);
  yield format === '201801' ? HEADER_201801 : HEADER_201612;
  for (let i = 0; i < rows; i += 1) {
    const id = firstId + i;
    if (badEvery > 0 && i % badEvery === badEvery - 1) {
      yield BAD_ROWS[(i / badEvery) % BAD_ROWS.length | 0]!(id);
      if (i % (badEvery * 3) === badEvery - 1) yield ''; // an empty line, skipped
      continue;
    }
    const fields = campaignFields(id, rand, pledgedBonus);
    if (format === '201612') {
      // No usd_* real columns; deadlines with a time; empty trailing columns.
      fields[5] = `${fields[5]} 11:36:00`;
      yield `${fields.slice(0, 13).map(csvField).join(',')},,,,`;
    } else {
      yield fields.map(csvField).join(',');
    }
  }
}

/** Writes a generated CSV to `file` (streaming, for the benchmark's million rows). */
export async function writeCsv(file: string, options: GenerateOptions): Promise<void> {
  const out = fs.createWriteStream(file);
  let chunk: string[] = [];
  for (const line of generateCsvLines(options)) {
    chunk.push(line);
    if (chunk.length === 10_000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = [];
    }
  }
  out.end(chunk.length > 0 ? `${chunk.join('\n')}\n` : '');
  await new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject));
}

/**
 * One record of the Kaggle "Kickstarter projects" CSV, ks-projects-201801.csv or
 * ks-projects-201612.csv, as a row of `past_campaigns`, or the reason it cannot be one.
 *
 * Amounts in USD come from `usd_goal_real` and `usd_pledged_real` (201801). The 201612 file has
 * neither: its pledged amount in USD is `usd pledged`, and its goal is in the campaign's own
 * currency, so a goal is taken as given only when that currency is USD; any other row of that
 * file is reported and skipped rather than converted at a guessed rate.
 */

const PAST_CAMPAIGN_STATES = ['successful', 'failed', 'canceled', 'suspended', 'live', 'undefined'] as const;
type PastCampaignState = (typeof PAST_CAMPAIGN_STATES)[number];

export interface PastCampaignRow {
  source_id: string;
  name: string;
  category: string;
  main_category: string;
  country: string | null;
  /** Decimal text as the file wrote it (checked): PostgreSQL rounds it to cents exactly. */
  goal_usd: string;
  pledged_usd: string;
  backers: number;
  /** `YYYY-MM-DD HH:MM:SS+00`, as PostgreSQL reads it whatever the session's zone. */
  launched: string;
  deadline: string;
  state: PastCampaignState;
}

/** The columns of `past_campaigns` read from the file (duration_days is computed from two of them). */
export const PAST_CAMPAIGN_COLUMNS = [
  'source_id',
  'name',
  'category',
  'main_category',
  'country',
  'goal_usd',
  'pledged_usd',
  'backers',
  'launched',
  'deadline',
  'state',
] as const satisfies ReadonlyArray<keyof PastCampaignRow>;

export const REQUIRED_HEADERS = ['ID', 'name', 'category', 'main_category', 'deadline', 'goal', 'launched', 'state', 'backers', 'country'];

export class BadRow extends Error {}

const STATES = new Set<string>(PAST_CAMPAIGN_STATES);
// 2015-10-09, or 2015-08-11 12:12:28; read as UTC, the file names no zone.
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const AMOUNT = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const MAX_AMOUNT = 1e12;

/** A record as csv-parse gives it (an array of fields), read by header name. */
export interface CsvRecord {
  fields: string[];
  /** Column positions by trimmed header name. */
  header: Map<string, number>;
}

function has({ header }: CsvRecord, column: string): boolean {
  return header.has(column);
}

function text({ fields, header }: CsvRecord, column: string): string {
  const index = header.get(column);
  return (index === undefined ? '' : (fields[index] ?? '')).trim();
}

function required(record: CsvRecord, column: string): string {
  if (record.fields.length <= record.header.get(column)!) throw new BadRow(`${column} is missing: the row has too few columns`);
  const value = text(record, column);
  if (value === '') throw new BadRow(`${column} is empty`);
  return value;
}

function amount(value: string, column: string): string {
  if (!AMOUNT.test(value)) throw new BadRow(`${column} is not an amount: ${JSON.stringify(value.slice(0, 40))}`);
  if (Number(value) > MAX_AMOUNT) throw new BadRow(`${column} is too large: ${value}`);
  return value;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** A UTC date or date-time as `YYYY-MM-DD HH:MM:SS+00`, text that sorts in time order. */
function date(value: string, column: string): string {
  const match = DATE.exec(value);
  if (match) {
    const [, year, month, day, hours = '00', minutes = '00', seconds = '00'] = match as unknown as string[];
    // 2015-02-30 is not a date (Date.UTC would roll it over into March).
    const monthDays = +month! === 2 ? (isLeapYear(+year!) ? 29 : 28) : MONTH_DAYS[+month! - 1];
    if (monthDays !== undefined && +month! <= 12 && +day! >= 1 && +day! <= monthDays && +hours < 24 && +minutes < 60 && +seconds < 60) {
      return `${year}-${month}-${day} ${hours}:${minutes}:${seconds}+00`;
    }
  }
  throw new BadRow(`${column} is not a date: ${JSON.stringify(value.slice(0, 40))}`);
}

/** The USD amount of `column`: its `*_real` twin when the file has one, else as the docblock says. */
function usd(record: CsvRecord, real: string, fallback: () => string): string {
  return has(record, real) ? amount(required(record, real), real) : fallback();
}

/** A record as a row of the dataset; throws BadRow with the reason. */
export function toPastCampaign(record: CsvRecord): PastCampaignRow {
  const id = required(record, 'ID');
  if (!/^\d{1,18}$/.test(id) || /^0+$/.test(id)) throw new BadRow(`ID is not a positive integer: ${JSON.stringify(id.slice(0, 40))}`);
  const state = required(record, 'state');
  if (!STATES.has(state)) throw new BadRow(`state is not one of ${PAST_CAMPAIGN_STATES.join(', ')}: ${JSON.stringify(state.slice(0, 40))}`);
  const backersText = required(record, 'backers');
  if (!/^\d{1,9}$/.test(backersText)) throw new BadRow(`backers is not a whole number: ${JSON.stringify(backersText.slice(0, 40))}`);
  const launched = date(required(record, 'launched'), 'launched');
  const deadline = date(required(record, 'deadline'), 'deadline');
  if (deadline < launched) throw new BadRow('deadline is before launched');
  const currency = text(record, 'currency');
  const goal = usd(record, 'usd_goal_real', () => {
    if (currency !== 'USD') throw new BadRow(`goal is in ${currency || 'an unknown currency'} and the file has no usd_goal_real`);
    return amount(required(record, 'goal'), 'goal');
  });
  const pledged = usd(record, 'usd_pledged_real', () =>
    has(record, 'usd pledged') ? amount(required(record, 'usd pledged'), 'usd pledged') : amount(required(record, 'pledged'), 'pledged'),
  );
  const country = text(record, 'country').toUpperCase();
  return {
    source_id: id,
    // PostgreSQL's text cannot hold NUL.
    name: text(record, 'name').replaceAll('\u0000', ''),
    category: required(record, 'category'),
    main_category: required(record, 'main_category'),
    country: /^[A-Z]{2}$/.test(country) ? country : null,
    goal_usd: goal,
    pledged_usd: pledged,
    backers: Number(backersText),
    launched,
    deadline,
    state: state as PastCampaignState,
  };
}

import type { Knex } from 'knex';

/** Who and what the scenarios read. */
export interface Fixture {
  ownerId: number;
  ownerUsername: string;
  ownerPassword: string;
  /** The users campaigns are spread over, round-robin (each owns 1/MAKERS of those after the caller's). */
  makerIds: number[];
  imagesOfOwner: number;
  /** Campaigns of the caller: their profile (`GET /api/auth/:id`) embeds the first 100. */
  campaignsOfOwner: number;
}

const IMAGES_OF_OWNER = 200;
const MAKERS = 20;
const IMAGES_PER_MAKER = 100;
/** More than the 100 a profile embeds, so that the cap is read too. */
const CAMPAIGNS_OF_OWNER = 120;

/** Campaign number `g` (of generate_series): the columns after `user_id`. */
const CAMPAIGN_COLUMNS = `'Campaign number ' || g,
       (array['Games','Technology','Design','Film & Video','Music','Art','Food','Publishing'])[1 + g % 8],
       'A campaign the benchmark made up: number ' || g || ', with a description of ordinary length.',
       1000 + (g * 37) % 1000000,
       1 + g % 60,
       (array['USA','JAPAN','UK','GERMANY','FRANCE','CANADA'])[1 + g % 6]`;

/**
 * The caller (`bench_owner`, IMAGES_OF_OWNER images) and MAKERS other users who own images of
 * their own (so the caller's page is read from a table that is not only theirs) and the campaigns.
 */
export async function seedBase(knex: Knex, passwordHash: string, ownerPassword: string): Promise<Fixture> {
  const ownerUsername = 'bench_owner';
  const [owner] = await knex('users')
    .insert({ username: ownerUsername, name: 'Bench Owner', email: 'bench_owner@example.com', password_hash: passwordHash })
    .returning('id');
  const ownerId = (owner as { id: number }).id;
  const makers = await knex.raw<{ rows: Array<{ id: number }> }>(
    `insert into users (username, name, password_hash)
     select 'bench_maker_' || g, 'Maker ' || g, ? from generate_series(1, ${MAKERS}) g returning id`,
    [passwordHash],
  );
  const makerIds = makers.rows.map((row) => row.id).sort((a, b) => a - b);

  const imageData = (who: string) => `jsonb_build_object(
      'url', 'https://images.example.com/${who}/' || g || '.png',
      'type', 'image/png',
      'caption', 'Benchmark picture number ' || g,
      'tags', jsonb_build_array('bench', 'sample'))`;
  await knex.raw(`insert into images (user_id, data) select ?, ${imageData('owner')} from generate_series(1, ${IMAGES_OF_OWNER}) g`, [ownerId]);
  await knex.raw(
    `insert into images (user_id, data)
     select (array[${makerIds.join(',')}])[1 + g % ${MAKERS}], ${imageData('maker')}
     from generate_series(1, ${MAKERS * IMAGES_PER_MAKER}) g`,
  );
  await knex.raw('analyze users; analyze images');
  // The caller's campaigns, first in the table: `growCampaigns` adds the makers' up to its total.
  await knex.raw(`insert into kickstarter (user_id, campaign_name, categories, description, monetary_goal, duration, country)
     select ?, ${CAMPAIGN_COLUMNS} from generate_series(1, ${CAMPAIGNS_OF_OWNER}) g`, [ownerId]);
  return { ownerId, ownerUsername, ownerPassword, makerIds, imagesOfOwner: IMAGES_OF_OWNER, campaignsOfOwner: CAMPAIGNS_OF_OWNER };
}

const LONG_QUERY_MS = 30 * 60 * 1000;

/**
 * A statement that may run longer than the project's 10-second query timeout (knexfile.ts): run on
 * a connection of knex's own pool, with a timeout of its own.
 */
async function longQuery(knex: Knex, text: string, values: unknown[] = []): Promise<void> {
  const client = knex.client as { acquireConnection(): Promise<unknown>; releaseConnection(connection: unknown): Promise<void> };
  const connection = (await client.acquireConnection()) as {
    query(config: { text: string; values: unknown[]; query_timeout: number }): Promise<unknown>;
  };
  try {
    await connection.query({ text, values, query_timeout: LONG_QUERY_MS });
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * Grows the campaign table to `target` rows with one `INSERT … SELECT generate_series`, then
 * VACUUM ANALYZE (hint bits and statistics, as a table in steady state has them).
 */
export async function growCampaigns(knex: Knex, fixture: Fixture, target: number): Promise<{ rows: number; seconds: number }> {
  const started = process.hrtime.bigint();
  const { rows } = await knex.raw<{ rows: Array<{ n: string }> }>('select count(*) as n from kickstarter');
  const current = Number(rows[0]!.n);
  if (target > current) {
    await longQuery(
      knex,
      `insert into kickstarter (user_id, campaign_name, categories, description, monetary_goal, duration, country)
       select (array[${fixture.makerIds.join(',')}])[1 + g % ${fixture.makerIds.length}], ${CAMPAIGN_COLUMNS}
       from generate_series($1::int, $2::int) g`,
      [current + 1, target],
    );
  }
  await longQuery(knex, 'vacuum analyze kickstarter');
  return { rows: target, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** The id in the middle of the table: `?after=` reads the page that follows it. */
export async function middleCampaignId(knex: Knex): Promise<number> {
  const { rows } = await knex.raw<{ rows: Array<{ n: string }> }>('select count(*) as n from kickstarter');
  const half = Math.floor(Number(rows[0]!.n) / 2);
  const row = await knex('kickstarter').select('id').orderBy('id').offset(half).limit(1).first();
  return (row as { id: number }).id;
}

import bcrypt from 'bcryptjs';
import type { Knex } from 'knex';

/** The Kickstarter README's demo account: it logs in with admin / password. */
export const DEMO_USERNAME = 'admin';
export const DEMO_PASSWORD = 'password';

const COUNTRIES = ['USA', 'CHINA', 'RUSSIA', 'JAPAN'];

/** Adds the demo account and its four campaigns, leaving everything else as it is (safe to rerun). */
export async function seed(knex: Knex): Promise<void> {
  if (process.env.NODE_ENV === 'production') throw new Error('Refusing to seed demo data in production.');

  await knex.raw(
    `INSERT INTO users (username, name, password_hash) VALUES (?, ?, ?)
     ON CONFLICT ((lower(username))) DO NOTHING`,
    [DEMO_USERNAME, 'Admin', await bcrypt.hash(DEMO_PASSWORD, 10)],
  );
  const admin = await knex('users').select('id').whereRaw('lower(username) = ?', [DEMO_USERNAME]).first();
  const existing = await knex('kickstarter').where({ user_id: admin.id }).select('campaign_name');
  const present = new Set(existing.map((row: { campaign_name: string }) => row.campaign_name));

  const campaigns = COUNTRIES.map((country, index) => ({
    user_id: admin.id,
    campaign_name: `Test_Project_${index + 1}`,
    categories: 'Games',
    description: 'Put the decription here and bla bla bla.',
    monetary_goal: 100000,
    duration: 30,
    country,
  })).filter((campaign) => !present.has(campaign.campaign_name));
  if (campaigns.length > 0) await knex('kickstarter').insert(campaigns);
}

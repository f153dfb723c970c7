import { startTestApp, type TestApp } from '../../helpers/app';
import { registerAndLogin, type RegisteredUser } from '../../helpers/users';
import { type CampaignFacts, computeInsights, INSIGHT_FIELDS, refreshCampaignInsights } from '../../../src/kickstarter/insights/statistics';
import { CLIENT_CAMPAIGN, csvFile, directFigures, expectSameFigures, importInto, removeCsvFiles } from './dataset';

let t: TestApp;
let owner: RegisteredUser;
beforeAll(async () => {
  t = await startTestApp();
  owner = await registerAndLogin(t);
});
afterAll(async () => {
  await t.close();
  removeCsvFiles();
});


async function createCampaign(fields: CampaignFacts = CLIENT_CAMPAIGN): Promise<number> {
  const res = await t.http().post(`/api/kickstarter/user/${owner.id}`).set('Authorization', owner.token).send(fields);
  expect(res.status).toBe(201);
  return res.body.id as number;
}

describe('with no dataset imported', () => {
  test('when a campaign is created, then every insight is null', async () => {
    const id = await createCampaign();
    expect(await refreshCampaignInsights(t.knex, id)).toEqual(Object.fromEntries(INSIGHT_FIELDS.map((field) => [field, null])));
    expect(await t.knex('kickstarter').select(INSIGHT_FIELDS).where({ id }).first()).toEqual(
      Object.fromEntries(INSIGHT_FIELDS.map((field) => [field, null])),
    );
  });
});

describe('with a dataset imported', () => {
  let firstId: number;
  beforeAll(async () => {
    firstId = await createCampaign();
    const result = await importInto(t, await csvFile({ rows: 20_000, badEvery: 2000 }));
    expect(result.campaigns).toBeGreaterThanOrEqual(2);
  });

  test('when the import ran, then the campaigns that existed got their insights, as numbers', async () => {
    const row = await t.knex('kickstarter').select(INSIGHT_FIELDS).where({ id: firstId }).first();
    for (const field of INSIGHT_FIELDS) expect([field, typeof row[field]]).toEqual([field, 'number']);
    expect(row).toEqual(await computeInsights(t.knex, CLIENT_CAMPAIGN));
  });

  test.each([
    ['a category, as the client sends it', CLIENT_CAMPAIGN],
    ['a main category, in other case, with a UK country name', { ...CLIENT_CAMPAIGN, categories: 'gAMES', country: 'Great Britain', monetaryGoal: 120_000 }],
    ['a goal no past campaign reached', { ...CLIENT_CAMPAIGN, categories: 'Apps', country: 'USA', monetaryGoal: 100_000_000, duration: 60 }],
    ['the smallest goal', { ...CLIENT_CAMPAIGN, categories: 'Theater', monetaryGoal: 1, duration: 1 }],
  ])('when the campaign has %s, then the six figures equal a direct SQL query of their definitions', async (_label, facts) => {
    const id = await createCampaign(facts);
    const insights = (await refreshCampaignInsights(t.knex, id))!;
    expectSameFigures(insights, await directFigures(t.knex, facts));
    expect(Number.isInteger(insights.prediction_results)).toBe(true);
    expect(insights.prediction_results).toBeGreaterThanOrEqual(0);
    expect(insights.prediction_results).toBeLessThanOrEqual(100);
    expect(insights.results).toBe(insights.prediction_results! >= 50 ? 1 : 0);
    expect(await t.knex('kickstarter').select(INSIGHT_FIELDS).where({ id }).first()).toEqual(insights);
  });

  test('when past goals lie exactly on the ±10 % bounds, then they count', async () => {
    // The generated goals are multiples of 50, so 4,500 and 5,500 (5,000 ± 10 %) are among them.
    const onBounds = await t.knex('past_campaigns').where({ state: 'successful' }).whereIn('goal_usd', [4500, 5500]).count({ n: '*' }).first();
    expect(Number(onBounds!.n)).toBeGreaterThan(0);
    for (const monetaryGoal of [1000, 5000, 10_000, 45_000]) {
      const facts = { ...CLIENT_CAMPAIGN, monetaryGoal };
      expectSameFigures(await computeInsights(t.knex, facts), await directFigures(t.knex, facts));
    }
  });

  test('when the category and the country are unknown, then the category figures are null and the rest are numbers', async () => {
    const facts = { ...CLIENT_CAMPAIGN, categories: 'Underwater Basket Weaving', country: 'Atlantis' };
    const insights = await computeInsights(t.knex, facts);
    expect(insights).toMatchObject({ category_success: null, category_average: null, average_duration: null });
    expectSameFigures(insights, await directFigures(t.knex, facts));
    expect(typeof insights.raising_more_success).toBe('number');
    expect(typeof insights.prediction_results).toBe('number');
  });

  test('when the country is written as a name or a code in any case, then the prediction is the same', async () => {
    const percents = await Promise.all(
      ['Japan', 'JAPAN', 'jp', ' Japan '].map(async (country) => (await computeInsights(t.knex, { ...CLIENT_CAMPAIGN, country })).prediction_results),
    );
    expect(new Set(percents).size).toBe(1);
    const us = await Promise.all(['United States', 'USA', 'US'].map(async (country) => (await computeInsights(t.knex, { ...CLIENT_CAMPAIGN, country })).prediction_results));
    expect(new Set(us).size).toBe(1);
  });

  test('when the goal grows, then the predicted chance falls (the signal in the generated data)', async () => {
    const at = async (monetaryGoal: number) => (await computeInsights(t.knex, { ...CLIENT_CAMPAIGN, monetaryGoal })).prediction_results!;
    expect(await at(500)).toBeGreaterThan(await at(50_000));
    expect(await at(50_000)).toBeGreaterThan(await at(5_000_000));
  });
});

import { startTestApp, type TestApp } from '../../helpers/app';
import { registerAndLogin, type RegisteredUser } from '../../helpers/users';
import { computeInsights, INSIGHT_FIELDS } from '../../../src/kickstarter/insights/statistics';
import { CLIENT_CAMPAIGN, csvFile, directFigures, expectSameFigures, importInto, removeCsvFiles } from './dataset';

/**
 * Campaign insights over HTTP (issue 13): the eight fields on every campaign object, computed on
 * create, PUT and PATCH and after an import; the chart URLs and the chart pages with their
 * headers. Two apps: CORS_ORIGIN `*` and no PUBLIC_URL (with the dataset), and listed origins
 * with PUBLIC_URL (each on a database of its own: an embedded one has a single holder).
 */
const CLIENT_ORIGINS = 'https://client.example, http://localhost:3000';
let t: TestApp;
let listed: TestApp;
let owner: RegisteredUser;
/** A campaign of the second app. */
let listedId: number;
beforeAll(async () => {
  [t, listed] = await Promise.all([startTestApp(), startTestApp({ CORS_ORIGIN: CLIENT_ORIGINS, PUBLIC_URL: 'https://api.example.com' })]);
  owner = await registerAndLogin(t);
  const other = await registerAndLogin(listed);
  listedId = (await listed.http().post('/api/kickstarter').set('Authorization', other.token).send(CLIENT_CAMPAIGN).expect(201)).body.id;
});
afterAll(async () => {
  await listed?.close();
  await t?.close();
  removeCsvFiles();
});

const NULLS = Object.fromEntries(INSIGHT_FIELDS.map((field) => [field, null]));

async function create(fields: Record<string, unknown> = CLIENT_CAMPAIGN) {
  const res = await t.http().post(`/api/kickstarter/user/${owner.id}`).set('Authorization', owner.token).send(fields);
  expect(res.status).toBe(201);
  return res.body as Record<string, unknown> & { id: number };
}

const chart = (app: TestApp, id: number, graph: string) => app.http().get(`/api/kickstarter/visualizations/${id}/${graph}`);

/** The eight fields are numbers equal to the contract's definitions, as direct SQL computes them. */
async function expectInsightsOf(campaign: Record<string, unknown>, facts: typeof CLIENT_CAMPAIGN) {
  for (const field of INSIGHT_FIELDS) expect([field, typeof campaign[field]]).toEqual([field, 'number']);
  expectSameFigures(campaign as never, await directFigures(t.knex, facts));
  const percent = campaign.prediction_results as number;
  expect(Number.isInteger(percent) && percent >= 0 && percent <= 100).toBe(true);
  expect(campaign.results).toBe(percent >= 50 ? 1 : 0);
  expect(percent).toBe((await computeInsights(t.knex, facts)).prediction_results);
}

let before: { id: number };

describe('with no dataset imported', () => {
  test('when the client creates a campaign, then its eight insights are null, in the lists too', async () => {
    before = await create();
    expect(before).toMatchObject(NULLS);
    const list = await t.http().get(`/api/kickstarter/user/${owner.id}`);
    expect(list.body[0]).toMatchObject(NULLS);
  });

  test('when a chart page is asked for, then it says that no data has been imported yet', async () => {
    const res = await chart(t, before.id, 'graph2');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<title>Backers and Goals: no data has been imported yet<\/title>/);
  });
});

describe('with a dataset imported', () => {
  let campaign: Record<string, unknown> & { id: number };
  beforeAll(async () => {
    const result = await importInto(t, await csvFile({ rows: 10_000, seed: 3 }));
    expect(result.campaigns).toBeGreaterThanOrEqual(1);
    campaign = await create();
  });

  test('when the import ran, then the campaign created before it has its insights', async () => {
    const res = await t.http().get(`/api/kickstarter/${before.id}`);
    await expectInsightsOf(res.body, CLIENT_CAMPAIGN);
  });

  test('when the client creates a campaign, then its eight insights are numbers equal to direct SQL', async () => {
    await expectInsightsOf(campaign, CLIENT_CAMPAIGN);
  });

  test('when a campaign is patched, then its insights are those of its fields after the change', async () => {
    const res = await t.http().patch(`/api/kickstarter/${campaign.id}`).set('Authorization', owner.token).send({ monetaryGoal: '120000' });
    expect(res.status).toBe(200);
    await expectInsightsOf(res.body, { ...CLIENT_CAMPAIGN, monetaryGoal: 120_000 });
    const again = await t.http().patch(`/api/kickstarter/${campaign.id}`).set('Authorization', owner.token).send({ categories: 'gAMES' });
    await expectInsightsOf(again.body, { ...CLIENT_CAMPAIGN, monetaryGoal: 120_000, categories: 'gAMES' });
    expect(again.body.category_success).not.toBe(res.body.category_success);
  });

  test('when a campaign is replaced, then its insights are recomputed; an unknown category has null category figures', async () => {
    const replaced = { ...CLIENT_CAMPAIGN, categories: 'Apps', country: 'USA', monetaryGoal: 250_000, duration: 60 };
    const res = await t.http().put(`/api/kickstarter/${campaign.id}`).set('Authorization', owner.token).send(replaced);
    expect(res.status).toBe(200);
    await expectInsightsOf(res.body, replaced);
    const unknown = { ...CLIENT_CAMPAIGN, categories: 'Underwater Basket Weaving', country: 'Atlantis' };
    const res2 = await t.http().put(`/api/kickstarter/${campaign.id}`).set('Authorization', owner.token).send(unknown);
    expect(res2.body).toMatchObject({ category_success: null, category_average: null, average_duration: null });
    expectSameFigures(res2.body, await directFigures(t.knex, unknown));
    await t.http().put(`/api/kickstarter/${campaign.id}`).set('Authorization', owner.token).send(CLIENT_CAMPAIGN).expect(200);
  });

  test('when campaigns are listed, then each carries the insights the single read shows', async () => {
    const one = (await t.http().get(`/api/kickstarter/${campaign.id}`)).body;
    for (const path of [`/api/kickstarter/user/${owner.id}`, '/api/kickstarter/all?categories=tabletop games', '/api/kickstarter?country=japan']) {
      const res = await t.http().get(path);
      expect(res.status).toBe(200);
      expect(res.body.find((item: { id: number }) => item.id === campaign.id)).toEqual(one);
    }
  });

  test('when the chart URLs are asked for, then they are absolute on the request origin, or on PUBLIC_URL when set', async () => {
    const res = await t.http().get(`/api/kickstarter/visualizations/${campaign.id}`).set('Host', 'charts.example:8080');
    expect(res.status).toBe(200);
    const base = `http://charts.example:8080/api/kickstarter/visualizations/${campaign.id}`;
    expect(res.body).toEqual({ graph1: `${base}/graph1`, graph2: `${base}/graph2`, graph3: `${base}/graph3` });
    const pub = await listed.http().get(`/api/kickstarter/visualizations/${listedId}`).set('Host', 'evil.example').set('Authorization', 'Bearer nonsense');
    expect(pub.body.graph3).toBe(`https://api.example.com/api/kickstarter/visualizations/${listedId}/graph3`);
  });

  test('when the campaign or the chart is unknown, then 404 in JSON', async () => {
    for (const path of ['/api/kickstarter/visualizations/999999', '/api/kickstarter/visualizations/abc', '/api/kickstarter/visualizations/999999/graph1', `/api/kickstarter/visualizations/${campaign.id}/graph4`]) {
      const res = await t.http().get(path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({ success: false });
    }
  });

  test.each(['graph1', 'graph2', 'graph3'])('when %s is asked for, then a script-free HTML page with its SVG, title and caption', async (graph) => {
    const res = await chart(t, campaign.id, graph);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toMatch(/^<!doctype html>/);
    expect(res.text).toContain('<svg');
    expect(res.text).toMatch(/<title>[^<]+<\/title>/);
    expect(res.text).toMatch(/<figcaption>[^<]{20,}<\/figcaption>/);
    expect(res.text).not.toMatch(/<script/i);
    if (graph === 'graph3') expect(res.text).toContain(`predicted chance of success is ${campaign.prediction_results} %`);
  });

  test('when a chart page is served, then it may be framed by CORS_ORIGIN only, and every other answer keeps frame-ancestors self', async () => {
    const any = await chart(t, campaign.id, 'graph1');
    expect(any.headers['content-security-policy']).toMatch(/frame-ancestors \*$/);
    expect(any.headers['content-security-policy']).toContain("default-src 'none'");
    expect(any.headers['x-frame-options']).toBeUndefined();
    const some = await chart(listed, listedId, 'graph1');
    expect(some.headers['content-security-policy']).toMatch(/frame-ancestors https:\/\/client\.example http:\/\/localhost:3000$/);
    expect(some.headers['x-frame-options']).toBeUndefined();
    for (const path of [`/api/kickstarter/${listedId}`, `/api/kickstarter/visualizations/${listedId}`, '/api/kickstarter/visualizations/999999/graph1']) {
      const other = await listed.http().get(path);
      expect(other.headers['content-security-policy']).toContain("frame-ancestors 'self'");
      expect(other.headers['x-frame-options']).toBe('SAMEORIGIN');
    }
  });

  test('when a chart page is asked for again with its ETag, then 304 without a body; a change of the campaign changes it', async () => {
    const first = await chart(t, campaign.id, 'graph1');
    expect(first.headers['cache-control']).toBe('public, no-cache');
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await chart(t, campaign.id, 'graph1').set('If-None-Match', etag);
    expect(again.status).toBe(304);
    expect(again.text ?? '').toBe('');
    await t.http().patch(`/api/kickstarter/${campaign.id}`).set('Authorization', owner.token).send({ monetaryGoal: 7000 }).expect(200);
    const changed = await chart(t, campaign.id, 'graph1').set('If-None-Match', etag);
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.text).toContain('$7,000');
  });

  test('when the dataset is imported again, then the chart pages change and the insights follow the new data', async () => {
    const etags = await Promise.all(['graph1', 'graph2', 'graph3'].map(async (graph) => (await chart(t, campaign.id, graph)).headers.etag));
    await importInto(t, await csvFile({ rows: 3000, seed: 11, firstId: 2_000_000 }));
    for (const [i, graph] of ['graph1', 'graph2', 'graph3'].entries()) {
      const res = await chart(t, campaign.id, graph).set('If-None-Match', etags[i]!);
      expect([graph, res.status]).toEqual([graph, 200]);
    }
    const res = await t.http().get(`/api/kickstarter/${campaign.id}`);
    await expectInsightsOf(res.body, { ...CLIENT_CAMPAIGN, monetaryGoal: 7000 });
  });
});

import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../../helpers/app';
import { registerAndLogin } from '../../helpers/users';
import { csvFile, importInto, removeCsvFiles } from './dataset';

/**
 * The real chart routes in Debian's Chromium (CHROMIUM_PATH, never a downloaded browser; missing
 * is a failure, not a skip): a page loaded directly, and framed by a page of an origin listed in
 * CORS_ORIGIN, served locally; a page of another origin may not frame it.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const listen = async (server: http.Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};
const closeServer = (server: http.Server | undefined) => server && new Promise((resolve) => server.close(resolve));

let t: TestApp;
let browser: Browser;
let api: http.Server;
let framing: http.Server;
/** The chart pages' origin, and the page that frames one (allowed as 127.0.0.1, not as localhost: another origin). */
let apiBase: string;
let framingPort: number;
let campaignId: number;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (Debian's package), or set CHROMIUM_PATH`);
  }
  framing = http.createServer((req, res) => {
    const src = new URL(req.url!, 'http://x').searchParams.get('src') ?? '';
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>client</title><iframe id="chart" src="${src.replace(/"/g, '&quot;')}" width="820" height="600"></iframe>`);
  });
  framingPort = await listen(framing);
  t = await startTestApp({ CORS_ORIGIN: `http://127.0.0.1:${framingPort}` });
  api = http.createServer(t.app);
  apiBase = `http://127.0.0.1:${await listen(api)}`;
  await importInto(t, await csvFile({ rows: 5000, seed: 7 }));
  const owner = await registerAndLogin(t);
  campaignId = (
    await t
      .http()
      .post(`/api/kickstarter/user/${owner.id}`)
      .set('Authorization', owner.token)
      .send({ campaignName: 'Dragon dice', categories: 'Tabletop Games', monetaryGoal: 5000, duration: 30, country: 'Japan' })
      .expect(201)
  ).body.id;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await closeServer(api);
  await closeServer(framing);
  await t?.close();
  removeCsvFiles();
});

async function withPage(run: (page: Page, errors: string[]) => Promise<void>) {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  try {
    await run(page, errors);
  } finally {
    await page.close();
  }
}

test.each(['graph1', 'graph2', 'graph3'])('when the real %s route is loaded, then its SVG is drawn and visible with its caption', async (graph) => {
  const urls = (await t.http().get(`/api/kickstarter/visualizations/${campaignId}`).set('Host', apiBase.slice('http://'.length))).body;
  await withPage(async (page, errors) => {
    const response = await page.goto(urls[graph]);
    expect(response!.status()).toBe(200);
    const svg = page.locator('figure svg');
    expect(await svg.isVisible()).toBe(true);
    expect((await svg.boundingBox())!.width).toBeGreaterThan(700);
    expect(await page.title()).not.toBe('');
    expect(await page.locator('figcaption').isVisible()).toBe(true);
    expect(errors).toEqual([]);
  });
});

test("when a page of CORS_ORIGIN's origin frames a chart, then it shows; a page of another origin may not frame it", async () => {
  const src = encodeURIComponent(`${apiBase}/api/kickstarter/visualizations/${campaignId}/graph2`);
  await withPage(async (page, errors) => {
    await page.goto(`http://127.0.0.1:${framingPort}/?src=${src}`);
    const framed = page.frameLocator('#chart');
    await framed.locator('figure svg').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await framed.locator('figcaption').textContent()).toContain('Backers against goal');
    expect(errors).toEqual([]);
  });
  await withPage(async (page, errors) => {
    await page.goto(`http://localhost:${framingPort}/?src=${src}`);
    await page.waitForTimeout(1000);
    expect(await page.frameLocator('#chart').locator('figure svg').count()).toBe(0);
    expect(errors.join('\n')).toMatch(/frame-ancestors/);
  });
});

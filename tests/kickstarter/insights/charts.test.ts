import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { startTestApp, type TestApp } from '../../helpers/app';
import { CHART_NAMES, type ChartCampaign, type ChartName, chartEtag, MAX_SCATTER_POINTS, renderChart } from '../../../src/kickstarter/insights/charts';
import { computeInsights } from '../../../src/kickstarter/insights/statistics';
import { csvFile, importInto, removeCsvFiles } from './dataset';

/**
 * Chart pages drawn by the server and loaded in a real Chromium (Debian's, never downloaded): the
 * SVG must be there, visible and sized, with the words it should say. Screenshots go to
 * INSIGHTS_SHOTS_DIR when set (to look at), else to a temporary directory.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const SKIP_BROWSER = process.env.SKIP_BROWSER_TESTS === 'true' && process.env.CI !== 'true';

let t: TestApp;
const shots = process.env.INSIGHTS_SHOTS_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'insights-shots-'));
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
  removeCsvFiles();
});

const CAMPAIGN: ChartCampaign = { id: 1, categories: 'Tabletop Games', monetaryGoal: 5000, prediction_results: null };
const pages = async (campaign: ChartCampaign) =>
  Object.fromEntries(await Promise.all(CHART_NAMES.map(async (which) => [which, await renderChart(t.knex, campaign, which)] as const))) as Record<
    ChartName,
    { html: string; etag: string }
  >;

describe('before any import', () => {
  test('when a chart is asked for, then its page says that no data has been imported yet', async () => {
    for (const { html, etag } of Object.values(await pages(CAMPAIGN))) {
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).toMatch(/<title>[^<]+: no data has been imported yet<\/title>/);
      expect(html).toContain('<figcaption>No data has been imported yet');
      expect(html).toContain('<svg');
      expect(etag).toMatch(/^"[\w-]{27}"$/);
    }
  });
});

describe('with a dataset imported', () => {
  let campaign: ChartCampaign;
  let rendered: Record<ChartName, { html: string; etag: string }>;
  beforeAll(async () => {
    const before = await chartEtag(t.knex, CAMPAIGN, 'graph1');
    await importInto(t, await csvFile({ rows: 10_000, seed: 5 }));
    expect(await chartEtag(t.knex, CAMPAIGN, 'graph1')).not.toBe(before);
    const insights = await computeInsights(t.knex, { campaignName: 'Dragon dice', categories: 'Tabletop Games', description: null, monetaryGoal: 5000, duration: 30, country: 'Japan' });
    campaign = { ...CAMPAIGN, prediction_results: insights.prediction_results };
    rendered = await pages(campaign);
  });

  test('when the pages are drawn, then each is a script-free HTML page with a title and a caption in words', () => {
    const { graph1, graph2, graph3 } = rendered;
    expect(graph1.html).toContain('<title>Categories and Goals</title>');
    expect(graph1.html).toMatch(/<figcaption>Average goal and average amount pledged, in US dollars, of successful past campaigns in each of 8 main categories; the blue line marks this campaign&#39;s goal of \$5,000\./);
    expect(graph2.html).toContain('<title>Backers and Goals: Tabletop Games</title>');
    expect(graph2.html).toMatch(/<figcaption>Backers against goal, in US dollars, of [\d,]+ successful past campaigns in Tabletop Games/);
    expect(graph3.html).toContain('<title>Chance of success</title>');
    expect(graph3.html).toContain(`predicted chance of success is ${campaign.prediction_results} %`);
    for (const { html } of Object.values(rendered)) {
      expect(html).not.toMatch(/<script|javascript:|https?:\/\/(?!www\.w3\.org)/i);
      expect(Buffer.byteLength(html)).toBeLessThan(400_000);
    }
    expect((graph2.html.match(/<path d="M[^"]*A/g) ?? []).length).toBeLessThanOrEqual(MAX_SCATTER_POINTS);
  });

  test('when the campaign or its category holds markup, then the page shows it as text', async () => {
    const { html } = await renderChart(t.knex, { ...campaign, categories: '<img src=x onerror=alert(1)>' }, 'graph2');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('No successful past campaign in the category');
  });

  test('when the campaign changes, then its pages get new ETags; the same campaign keeps them', async () => {
    expect((await renderChart(t.knex, campaign, 'graph1')).etag).toBe(rendered.graph1.etag);
    expect(await chartEtag(t.knex, campaign, 'graph2')).toBe(rendered.graph2.etag);
    expect(await chartEtag(t.knex, { ...campaign, monetaryGoal: 6000 }, 'graph1')).not.toBe(rendered.graph1.etag);
    expect(await chartEtag(t.knex, { ...campaign, prediction_results: 1 }, 'graph3')).not.toBe(rendered.graph3.etag);
    expect(new Set(Object.values(rendered).map(({ etag }) => etag)).size).toBe(3);
  });

  describe('in Chromium', () => {
    let browser: Browser;
    let server: http.Server;
    let base: string;
    beforeAll(async () => {
      if (SKIP_BROWSER) return;
      if (!fs.existsSync(CHROMIUM)) {
        throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH; SKIP_BROWSER_TESTS=true skips these outside CI)`);
      }
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      server = http.createServer((req, res) => {
        const page = rendered[req.url!.slice(1) as ChartName];
        if (!page) return void res.writeHead(404).end();
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" });
        res.end(page.html);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      if (server) await new Promise((resolve) => server.close(resolve));
    });

    const EXPECTED_TEXT: Record<ChartName, string[]> = {
      graph1: ['Categories and Goals', 'Average pledged', 'Games', 'Your goal: $5,000'],
      graph2: ['Backers and Goals: Tabletop Games', 'Your goal: $5,000', 'Backers'],
      graph3: ['Chance of success', '%'],
    };

    (SKIP_BROWSER ? test.skip : test).each([...CHART_NAMES])('when %s is loaded, then its SVG is drawn, visible and says what it shows', async (which) => {
      const page = await browser.newPage({ viewport: { width: 820, height: 620 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
      try {
        const response = await page.goto(`${base}/${which}`);
        expect(response!.status()).toBe(200);
        const svg = page.locator('figure svg');
        await expect(svg.isVisible()).resolves.toBe(true);
        const box = (await svg.boundingBox())!;
        expect(box.width).toBeGreaterThan(700);
        expect(box.height).toBeGreaterThan(400);
        const text = await svg.textContent();
        for (const expected of EXPECTED_TEXT[which]) expect(text).toContain(expected);
        expect(await page.title()).toBe(/<title>([^<]+)<\/title>/.exec(rendered[which].html)![1]);
        expect(await page.locator('figcaption').isVisible()).toBe(true);
        await page.screenshot({ path: path.join(shots, `${which}.png`), fullPage: true });
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    });
  });
});

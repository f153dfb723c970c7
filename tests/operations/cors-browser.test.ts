import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { registerAndLogin, type RegisteredUser } from '../helpers/users';

/**
 * The contract's CORS line in a real browser: "A preflight and a login from an allowed origin
 * with credentials succeed in Chromium", and a page from an origin not listed cannot read the
 * answer. Needs Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH): CI installs it, and
 * without it this test fails rather than skipping.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let pages: http.Server;
let pagePort: number;
let t: TestApp;
let api: http.Server;
let apiUrl: string;
let browser: Browser;
let user: RegisteredUser;

const listen = (server: http.Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is needed for the CORS browser test and was not found at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH.`);
  }
  // One page server, reached as two origins: 127.0.0.1 (listed) and localhost (not listed).
  pages = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>client</title>'));
  pagePort = await listen(pages);
  t = await startTestApp({ CORS_ORIGIN: `http://127.0.0.1:${pagePort}, https://other.example` });
  user = await registerAndLogin(t);
  api = http.createServer(t.app);
  apiUrl = `http://127.0.0.1:${await listen(api)}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => api?.close(resolve));
  await new Promise((resolve) => pages?.close(resolve));
  await t?.close();
});

/** Logs in from a page of `origin` as the Picmetric client does (JSON, `credentials: 'include'`: a preflight first). */
async function loginFrom(origin: string) {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/`);
    return await page.evaluate(
      async ({ url, body }) => {
        try {
          const res = await fetch(`${url}/api/login`, {
            method: 'POST',
            credentials: 'include',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          });
          return { status: res.status, body: await res.json() };
        } catch (error) {
          return { error: `${(error as Error).name}: ${(error as Error).message}` };
        }
      },
      { url: apiUrl, body: { username: user.username, password: user.password } },
    );
  } finally {
    await page.close();
  }
}

test('when a page from an allowed origin logs in with credentials, then the preflight and the login succeed in Chromium', async () => {
  const result = await loginFrom(`http://127.0.0.1:${pagePort}`);
  expect(result).toMatchObject({ status: 200, body: { token: expect.any(String) } });
}, 30_000);

test('when a page from an origin not listed logs in, then the browser refuses to let it read the answer', async () => {
  const result = await loginFrom(`http://localhost:${pagePort}`);
  expect(result).toEqual({ error: expect.stringMatching(/^TypeError/) });
}, 30_000);

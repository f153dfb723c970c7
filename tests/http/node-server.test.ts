import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { createHttpServer } from '../../src/http/node-server';
import { createLogger } from '../../src/logger';

/**
 * The server builds each request and response on the served app's own prototypes, so that Express
 * finds them already in place instead of changing them per request (the cost is measured by
 * `npm run bench`; here, that it happens and that the app swap follows it).
 */

/** An app that answers with its name, through Express's own request and response methods. */
function namedApp(name: string) {
  const app = express();
  app.get('/who', (req, res) => {
    res.json({ app: name, host: req.get('host') !== undefined });
  });
  return app;
}

/** The server for `app`, recording whether each request and response arrived on the served app's prototypes. */
async function exchange(app: Express) {
  const { server, serve } = createHttpServer(app, createLogger('silent'));
  const arrived: Array<{ request: boolean; response: boolean }> = [];
  let expected = app;
  // Runs before the app does: what Node built, before Express could change anything.
  server.prependListener('request', (req, res) => {
    arrived.push({
      request: Object.getPrototypeOf(req) === expected.request,
      response: Object.getPrototypeOf(res) === expected.response,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/who`;
  return {
    arrived,
    get: async () => (await fetch(url)).json() as Promise<unknown>,
    serve: (next: Express) => {
      expected = next;
      serve(next);
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('the HTTP server', () => {
  test('when a request arrives, then it is built on the app’s request and response prototypes, and the app answers it', async () => {
    const server = await exchange(namedApp('first'));
    try {
      expect(await server.get()).toEqual({ app: 'first', host: true });
      expect(server.arrived).toEqual([{ request: true, response: true }]);
    } finally {
      await server.close();
    }
  });

  test('when another app is served, then later requests go to it, built on its prototypes', async () => {
    const server = await exchange(namedApp('starting'));
    try {
      await server.get();
      const api = namedApp('api');
      server.serve(api);
      expect(await server.get()).toEqual({ app: 'api', host: true });
      expect(await server.get()).toEqual({ app: 'api', host: true });
      expect(server.arrived).toEqual(Array(3).fill({ request: true, response: true }));
    } finally {
      await server.close();
    }
  });
});

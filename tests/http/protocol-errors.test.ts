import type { Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createHttpServer } from '../../src/http/node-server';
import { createLogger } from '../../src/logger';
import { startTestApp, type TestApp } from '../helpers/app';

/**
 * What Node's HTTP parser refuses before Express sees it, sent over a raw socket to the server
 * `src/server.ts` builds: the contract's JSON envelope, never a bare status line.
 */

const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});
const logger = createLogger('info', sink);

let t: TestApp;
let server: Server;
let port: number;
beforeAll(async () => {
  t = await startTestApp();
  // Short limits, so that a slow client is cut off within the test.
  ({ server } = createHttpServer(t.app, logger, { headersMs: 400, requestMs: 800, checkEveryMs: 100 }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});
beforeEach(() => {
  lines.length = 0;
});

/** Writes `raw` (all of it, or piece by piece with pauses) and reads until the server closes. */
function exchange(raw: string | string[], pauseMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    const pieces = Array.isArray(raw) ? [...raw] : [raw];
    const writeNext = () => {
      const piece = pieces.shift();
      if (piece === undefined) return;
      socket.write(piece);
      setTimeout(writeNext, pauseMs);
    };
    writeNext();
  });
}

function parse(answer: string) {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as unknown };
}

describe('requests Node cannot parse', () => {
  test.each([
    ['headers over 16 kB', 431, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['a malformed request line', 400, 'GET /health HTTP/9.Z\r\nHost: x\r\n\r\n'],
    ['Content-Length: abc', 400, 'POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}'],
    ['two different Content-Lengths', 400, 'POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
    ['a header without a colon', 400, 'GET /health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n'],
  ])('when the request has %s, then %i with the JSON envelope and a log line', async (_case, status, raw) => {
    const res = parse(await exchange(raw));
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toEqual({ success: false, message: expect.any(String) });
    expect(lines).toContainEqual(expect.objectContaining({ res: { status }, req: { id: res.headers['x-request-id'] } }));
  });

  test('when a client trickles its headers past the limit, then 408 with the JSON envelope', async () => {
    const pieces = ['GET /health HTTP/1.1\r\n', ...Array.from({ length: 20 }, (_, i) => `X-Slow-${i}: 1\r\n`)];
    const res = parse(await exchange(pieces, 100));
    expect(res.status).toBe(408);
    expect(res.body).toEqual({ success: false, message: 'The request took too long to arrive.' });
  });

  test('when a request is well formed, then Express answers it as usual', async () => {
    const res = parse(await exchange('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

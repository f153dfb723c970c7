import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fetchToFile, isPublicAddress } from '../../../src/images/files/fetch';
import { pngWithAlpha } from '../../helpers/image-fixtures';

/** A loopback server that counts its requests and answers with `handler`. */
async function server(handler: http.RequestListener) {
  const hits: string[] = [];
  const srv = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  return { port, hits, close: () => new Promise<void>((resolve) => srv.close(() => resolve())) };
}

let dir: string;
let target: { port: number; hits: string[]; close(): Promise<void> };
let picture: Buffer;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-test-'));
  picture = await pngWithAlpha();
  target = await server((_req, res) => res.end(picture));
});
afterAll(async () => {
  await target.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
const file = () => path.join(dir, String((counter += 1)));

describe('fetching a URL a client gave', () => {
  test.each(['127.0.0.1', '10.0.0.1', '169.254.169.254', '::1', '::ffff:127.0.0.1', '100.64.0.1', '192.168.1.1', '0.0.0.0', 'fd00::1', '64:ff9b::a00:1', '224.0.0.1'])(
    'when the address is %s, then it is not public',
    (address) => expect(isPublicAddress(address)).toBe(false),
  );

  test.each(['93.184.216.34', '2606:2800:220:1:248:1893:25c7:1946'])('when the address is %s, then it is public', (address) =>
    expect(isPublicAddress(address)).toBe(true));

  test.each([
    (port: number) => `http://127.0.0.1:${port}/cat.png`,
    (port: number) => `http://[::1]:${port}/cat.png`,
    (port: number) => `http://localhost:${port}/cat.png`,
    (port: number) => `http://[::ffff:7f00:1]:${port}/cat.png`,
    () => 'http://10.0.0.1/cat.png',
    () => 'http://169.254.169.254/latest/meta-data/',
    () => 'file:///etc/passwd',
  ])('when the URL is %p, then it is refused and never fetched', async (url) => {
    await expect(fetchToFile(url(target.port), file(), { maxBytes: 1_000_000 })).rejects.toThrow(/not public|Only http/);
    expect(target.hits).toEqual([]);
  });

  test('when an allowed server redirects to a loopback address or a name for one, then the redirect is not followed', async () => {
    const allowOnly = (port: number) => (address: string, p: number) => address === '127.0.0.1' && p === port;
    for (const location of [`http://127.0.0.1:${target.port}/x.png`, `http://localhost:${target.port}/x.png`]) {
      const redirector = await server((_req, res) => res.writeHead(302, { location }).end());
      await expect(fetchToFile(`http://127.0.0.1:${redirector.port}/`, file(), { maxBytes: 1_000_000, allow: allowOnly(redirector.port) })).rejects.toThrow(
        /not public/,
      );
      expect(redirector.hits).toEqual(['/']);
      await redirector.close();
    }
    expect(target.hits).toEqual([]);
  });

  test('when the allowed server answers a picture through redirects, then it is fetched; past 3 redirects or the size, it is refused', async () => {
    const allow = (address: string) => address === '127.0.0.1';
    const hops = await server((req, res) => {
      const n = Number(req.url!.slice(1));
      res.writeHead(302, { location: n > 1 ? `/${n - 1}` : `http://127.0.0.1:${target.port}/cat.png` }).end();
    });
    const ok = file();
    await fetchToFile(`http://127.0.0.1:${hops.port}/2`, ok, { maxBytes: 1_000_000, allow });
    expect(fs.readFileSync(ok)).toEqual(picture);
    await expect(fetchToFile(`http://127.0.0.1:${hops.port}/4`, file(), { maxBytes: 1_000_000, allow })).rejects.toThrow(/More than 3 redirects/);
    const tooSmall = file();
    await expect(fetchToFile(`http://127.0.0.1:${target.port}/cat.png`, tooSmall, { maxBytes: 100, allow })).rejects.toThrow(/too large/);
    expect(fs.existsSync(tooSmall)).toBe(false);
    await hops.close();
  });

  test('when the server is too slow, then the fetch gives up at the time limit', async () => {
    const slow = await server(() => undefined);
    await expect(
      fetchToFile(`http://127.0.0.1:${slow.port}/`, file(), { maxBytes: 1000, timeoutMs: 300, allow: (a) => a === '127.0.0.1' }),
    ).rejects.toThrow(/did not answer within/);
    await slow.close();
  });
});

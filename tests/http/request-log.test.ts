import net, { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import { startTestApp, type TestApp } from '../helpers/app';
import { registerAndLogin } from '../helpers/users';

const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: 'info' }, undefined, createLogger('info', sink));
});
afterAll(() => t.close());
beforeEach(() => {
  lines.length = 0;
});

const requestLines = () => lines.filter((line) => line.req !== undefined);

describe('request logs', () => {
  test('when a request carries X-Request-Id, then it is returned and logged with method, path, status and duration', async () => {
    const res = await t.http().get('/api/nope?secret=1').set('X-Request-Id', 'trace-abc.123');
    expect(res.headers['x-request-id']).toBe('trace-abc.123');
    const [line] = requestLines();
    expect(line).toMatchObject({ req: { id: 'trace-abc.123', method: 'GET', path: '/api/nope' }, res: { status: 404 }, level: 40 });
    expect(typeof line!.responseTime).toBe('number');
  });

  test('when there is no request id, or one that could forge log lines, then a fresh one is made', async () => {
    const plain = await t.http().get('/health');
    expect(plain.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const forged = await t.http().get('/health').set('X-Request-Id', 'a b"}{"level":60');
    expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestLines().map((line) => (line.req as { id: string }).id)).toEqual([plain.headers['x-request-id'], forged.headers['x-request-id']]);
  });

  test('when requests carry passwords and tokens, then none of them reaches the log', async () => {
    const user = await registerAndLogin(t, { password: 'very-secret-password' });
    await t.http().get('/api/users/me').set('Authorization', `Bearer ${user.token}`);
    await t.http().put(`/api/auth/update/${user.id}`).set('Authorization', user.token).send({ password: 'another-secret-1', current_password: 'wrong-secret-2' });
    const text = JSON.stringify(lines);
    expect(requestLines().length).toBeGreaterThanOrEqual(4);
    for (const secret of ['very-secret-password', 'another-secret-1', 'wrong-secret-2', user.token, user.token.split('.')[2]!]) {
      expect(text).not.toContain(secret);
    }
  });

  test('when the client hangs up before the answer, then the request is logged once, as aborted, at warn', async () => {
    const server = t.app.listen(0);
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      // Half a body: the server waits for the rest, then sees the connection go.
      socket.write('POST /api/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nX-Request-Id: gone-early\r\n\r\n{"user');
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const mine = requestLines().filter((line) => (line.req as { id: string }).id === 'gone-early');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ level: 40, msg: 'POST /api/register aborted' });
  });

  test('when a bug answers 500, then the stack is logged at error level, and not sent', async () => {
    const broken = await startTestApp({ LOG_LEVEL: 'info' }, undefined, createLogger('info', sink));
    try {
      await broken.knex.schema.renameTable('users', 'users_elsewhere');
      const res = await broken.http().post('/api/register').send({ username: 'someone', password: 'password1' });
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.body)).not.toMatch(/users|stack|at /);
      const errorLine = lines.find((line) => line.msg === 'unhandled error');
      expect(errorLine?.level).toBe(50);
      expect(JSON.stringify(errorLine)).toContain('users');
    } finally {
      await broken.close();
    }
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

/** The real server (`src/server.ts`) in a child process, as `npm start` runs it. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string>;
}

/** The lowest port the kernel hands out for `listen(0)` and outgoing connections (Linux's default). */
function ephemeralPortsStart(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

/**
 * A free port for a child server, below the ephemeral range. A port from `listen(0)` would be
 * free only until the child binds it, seconds later: meanwhile the kernel could hand it to one of
 * the suite's many ephemeral servers (supertest binds one per request) or outgoing connections.
 * That is the likeliest reading of a CI run where a restarted server's address answered /ready and
 * then refused the next request.
 */
async function freePort(): Promise<number> {
  const end = Math.max(ephemeralPortsStart(), 12_000);
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * (end - 10_000));
    if (await canListen(port)) return port;
  }
}

export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('src', 'server.ts')], {
    cwd: path.resolve(__dirname, '..', '..'),
    env: { PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'info', BCRYPT_ROUNDS: '4', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? '')));
  return { url: `http://127.0.0.1:${port}`, child, output: () => output, exited };
}

/** Polls `check` until it returns true, for at most `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function waitUntilListening(server: ServerProcess): Promise<void> {
  await waitFor(async () => (await fetch(`${server.url}/health`)).ok);
}

export interface PlainResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/**
 * One request on a connection of its own (no keep-alive), so that node:cluster hands successive
 * requests to different workers as it would for different clients.
 */
export function requestOnce(
  url: string,
  options: { method?: string; body?: object; headers?: Record<string, string> } = {},
): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(
      url,
      {
        method: options.method ?? (payload ? 'POST' : 'GET'),
        agent: false,
        headers: { ...(payload ? { 'Content-Type': 'application/json' } : {}), ...options.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The pids that logged a request line, from a server's JSON log output. */
export function pidsThatServed(output: string): Set<number> {
  const pids = new Set<number>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { pid?: number; req?: unknown };
    if (entry.req !== undefined && entry.pid !== undefined) pids.add(entry.pid);
  }
  return pids;
}

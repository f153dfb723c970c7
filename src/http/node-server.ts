import { randomUUID } from 'node:crypto';
import http, { IncomingMessage, type Server, ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';
import type { Logger } from '../logger';

interface ClientTimeouts {
  headersMs: number;
  requestMs: number;
  /** How often Node looks for connections past those limits. */
  checkEveryMs: number;
}

/**
 * How long a client may take: its headers within 15 s, its whole request within 2 minutes (a
 * 10 MB upload at under 1 Mbit/s), checked every 2 s. No real client comes near either; a
 * slowloris that trickles bytes to hold sockets open is cut off by them instead of by Node's
 * 60 s and 5 minutes, checked every 30 s.
 */
const CLIENT_TIMEOUTS: ClientTimeouts = { headersMs: 15_000, requestMs: 120_000, checkEveryMs: 2_000 };

/** What Node's HTTP parser reports, as the contract's statuses. */
const ANSWERS: Record<string, { status: number; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, message: 'The request headers are too large.' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive.' },
};
const MALFORMED = { status: 400, message: 'The request is not valid HTTP.' };

/** The response a socket had started, if any (Node keeps it there; too late for another). */
const responseStarted = (socket: Socket) =>
  (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;

/**
 * Node's request and response classes, built on the prototypes of the app being served. Express
 * gives each request its app's methods by changing the prototype of Node's request and response
 * objects (`Object.setPrototypeOf` in `app.handle`), which V8 makes expensive (expressjs/express#5998).
 * Built with those prototypes already, the objects are left as they are: setting the prototype an
 * object already has changes nothing. Measured with a bare Express 5 app and one route at 2,000
 * requests/s: 37–50 µs of CPU per request instead of 125, and nothing promoted to the old
 * generation instead of 154 MB in 10 s.
 */
function appObjects() {
  // Constructor functions, not classes: their `prototype` can be set to an existing object.
  function AppRequest(this: IncomingMessage, ...args: unknown[]) {
    Reflect.apply(IncomingMessage, this, args);
  }
  function AppResponse(this: ServerResponse, ...args: unknown[]) {
    Reflect.apply(ServerResponse, this, args);
  }
  return {
    IncomingMessage: AppRequest as unknown as typeof IncomingMessage,
    ServerResponse: AppResponse as unknown as typeof ServerResponse,
    /** Requests from now on are built on `app`'s prototypes. */
    adopt(app: Express) {
      AppRequest.prototype = app.request;
      AppResponse.prototype = app.response;
    },
  };
}

export interface AppServer {
  server: Server;
  /** Hands every request from now on to `app` (the API, once the database is open). */
  serve(app: Express): void;
}

/**
 * The HTTP server for `app` (until `serve` gives it another), with the client timeouts above.
 * Requests Node's parser refuses before Express sees them (oversized headers, a malformed request
 * line or header, a bad or doubled Content-Length, a timeout) get the JSON error envelope, as
 * every other answer does, instead of Node's bare status line, and a log line.
 */
export function createHttpServer(app: Express, logger: Logger, timeouts = CLIENT_TIMEOUTS): AppServer {
  const objects = appObjects();
  let current = app;
  objects.adopt(app);
  const server = http.createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: timeouts.checkEveryMs,
      IncomingMessage: objects.IncomingMessage,
      ServerResponse: objects.ServerResponse,
    },
    (req, res) => current(req, res),
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable || responseStarted(socket)) {
      socket.destroy();
      return;
    }
    const { status, message } = ANSWERS[error.code ?? ''] ?? MALFORMED;
    const id = randomUUID();
    const body = JSON.stringify({ success: false, message });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'X-Content-Type-Options: nosniff\r\n' +
        `X-Request-Id: ${id}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
    logger.warn({ req: { id }, res: { status }, code: error.code }, `unparsable request ${status}`);
  });
  const serve = (next: Express) => {
    objects.adopt(next);
    current = next;
  };
  return { server, serve };
}

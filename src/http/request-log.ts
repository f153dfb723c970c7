import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger';

// A client's id is echoed and logged only when it cannot forge log lines.
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const levelOf = (status: number) => (status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info');

/**
 * One log line per request: request id (a valid `X-Request-Id` is kept, else one is made; both
 * are returned), method, path, status and duration. Headers and bodies are not logged at all, so
 * tokens and passwords cannot reach the log this way.
 *
 * Written here rather than with pino-http: its child logger and serializers per request were the
 * largest cost of a list request after the database (measured with `npm run bench`).
 */
export function requestLog(logger: Logger): RequestHandler {
  // These lines hold only the fields below, none of them secret: they skip the redaction pass that
  // every other log line gets, which cost more than writing the line.
  const lines = logger.child({}, { redact: [] });
  return (req, res, next) => {
    const started = performance.now();
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);

    const url = req.originalUrl;
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    let logged = false;
    const log = (aborted: boolean) => {
      if (logged) return;
      logged = true;
      // A client that hangs up before the answer is complete is logged as such, at warn; the status
      // is whatever the answer had reached (often the default 200), not one the client received.
      const status = res.statusCode;
      const level = aborted ? 'warn' : levelOf(status);
      if (!lines.isLevelEnabled(level)) return;
      lines[level](
        { req: { id, method: req.method, path }, res: { status }, responseTime: Math.round(performance.now() - started) },
        `${req.method} ${path} ${aborted ? 'aborted' : status}`,
      );
    };
    // 'close' follows every response; before 'finish' it means the client left first. (`on`, not
    // `once`: the response and its listeners go together, with no wrappers to allocate and remove.)
    res.on('finish', () => log(false));
    res.on('close', () => log(true));
    next();
  };
}

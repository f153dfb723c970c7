import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet's default headers, recorded once by running helmet itself: with its defaults they depend
 * on no request, and helmet's chain of a dozen middleware functions per request took 1–2 % of a
 * list request's CPU in a profile (`npm run bench -- --cpu-prof`). What helmet removes
 * (`X-Powered-By`) Express is told not to send.
 */
function recordHelmetHeaders(): [name: string, value: string][] {
  const headers: [string, string][] = [];
  const recorder = {
    setHeader: (name: string, value: string | number) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
  };
  let finished = false;
  helmet()({} as IncomingMessage, recorder as unknown as ServerResponse, () => {
    finished = true;
  });
  // helmet's defaults finish synchronously; anything else would mean it now depends on the request.
  if (!finished || headers.length === 0) throw new Error('helmet did not set its headers synchronously');
  return headers;
}

/** Sets helmet's security headers on every response. */
export function securityHeaders(): RequestHandler {
  const headers = recordHelmetHeaders();
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

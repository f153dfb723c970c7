import { type RequestHandler } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import { tooManyRequests } from './errors';
import type { Logger } from '../logger';

const WINDOW_MS = 60_000;

/**
 * API_RATE_LIMIT requests per client IP per minute. A store that cannot be reached (Redis down)
 * lets requests through rather than taking the whole API down with it.
 */
export function apiRateLimit(store: Store, perMinute: number, logger: Logger): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: perMinute,
    store,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    passOnStoreError: true,
    // req.ip already follows TRUST_PROXY; an X-Forwarded-For it does not trust is simply ignored.
    validate: { xForwardedForHeader: false, trustProxy: false },
    logger: { warn: (error) => logger.warn({ err: error }, 'rate limit'), error: (error) => logger.error({ err: error }, 'rate limit store') },
    handler: (req, _res, next) => {
      const resetTime = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime ?? new Date(Date.now() + WINDOW_MS);
      next(tooManyRequests('Too many requests. Please slow down.', resetTime));
    },
  });
}

import express, { type RequestHandler } from 'express';
import typeis from 'type-is';
import { HttpError } from './errors';

const JSON_TYPES = ['application/json', 'application/*+json'];

function hasNonEmptyBody(headers: Record<string, string | string[] | undefined>): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = Number(headers['content-length']);
  return Number.isFinite(length) && length > 0;
}

const isObject = (body: unknown) => body !== null && typeof body === 'object' && !Array.isArray(body);

/**
 * JSON bodies only: a non-empty body of another type is a 415 (before its size is looked at),
 * an oversize one a 413, malformed JSON a 400, and a body that is not a JSON object a 400.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const parseJson = express.json({ limit: limitBytes, type: JSON_TYPES });
  return (req, res, next) => {
    // Most requests (every GET) carry no body: nothing to check or parse.
    if (!hasNonEmptyBody(req.headers)) return next();
    if (!typeis(req, JSON_TYPES)) throw new HttpError(415, 'The request body must be JSON (Content-Type: application/json).');
    parseJson(req, res, (err?: unknown) => {
      if (err) return next(err);
      next(isObject(req.body) ? undefined : new HttpError(400, 'The request body must be a JSON object.'));
    });
  };
}

import express, { type Request, type RequestHandler } from 'express';
import typeis from 'type-is';
import { HttpError } from './errors';

const JSON_TYPES = ['application/json', 'application/*+json'];

/** Bodies a route may declare it reads itself, from the request stream (`accepts`). */
const STREAMED_TYPES = ['multipart/form-data', 'image/*'] as const;
export type StreamedType = (typeof STREAMED_TYPES)[number];

function hasNonEmptyBody(headers: Record<string, string | string[] | undefined>): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = Number(headers['content-length']);
  return Number.isFinite(length) && length > 0;
}

const isObject = (body: unknown) => body !== null && typeof body === 'object' && !Array.isArray(body);

export const notJson = () => new HttpError(415, 'The request body must be JSON (Content-Type: application/json).');

/** Which of `STREAMED_TYPES` the request's non-empty body is, if any. */
export function streamedType(req: Request): StreamedType | undefined {
  if (!hasNonEmptyBody(req.headers)) return undefined;
  const type = typeis(req, [...STREAMED_TYPES]);
  return type === false || type === null ? undefined : STREAMED_TYPES.find((candidate) => typeis.is(type, [candidate]));
}

/**
 * JSON bodies: a non-empty body of another type is a 415 (before its size is looked at), an
 * oversize one a 413, malformed JSON a 400, and a body that is not a JSON object a 400. Uploads
 * (multipart forms, image bytes) are left in the stream for the routes that take them (the
 * mounter answers 415 for every other route).
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const parseJson = express.json({ limit: limitBytes, type: JSON_TYPES });
  return (req, res, next) => {
    // Most requests (every GET) carry no body: nothing to check or parse.
    if (!hasNonEmptyBody(req.headers)) return next();
    if (!typeis(req, JSON_TYPES)) {
      if (streamedType(req)) return next();
      throw notJson();
    }
    parseJson(req, res, (err?: unknown) => {
      if (err) return next(err);
      next(isObject(req.body) ? undefined : new HttpError(400, 'The request body must be a JSON object.'));
    });
  };
}

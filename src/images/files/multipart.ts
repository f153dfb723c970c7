import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { HttpError } from '../../http/errors';
import { MAX_DATA_BYTES } from '../schemas';

/**
 * A multipart/form-data image upload (`curl -F file=@cat.jpg -F 'data={"caption":"…"}'`): the
 * file in field `file` is handed to `receive` as a stream while it arrives (never buffered whole),
 * the other text fields are collected. One file, a few small fields: anything else is refused,
 * and a file received before the refusal is handed to `discard`.
 */
export interface MultipartImage<T> {
  file: T;
  /** Text fields by name (`data` holds the image data as JSON text, when sent). */
  fields: Record<string, string>;
}

const MAX_FIELDS = 10;

const badRequest = (message: string) => new HttpError(400, message);
const missingFile = () => new HttpError(422, 'The given data was invalid.', { errors: { file: ['The file field is required.'] } });

export function readMultipartImage<T>(
  request: Readable & { headers: IncomingHttpHeaders },
  maxBytes: number,
  receive: (file: Readable) => Promise<T>,
  /** Must not throw. */
  discard: (file: T) => Promise<void>,
): Promise<MultipartImage<T>> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // One byte over the limit lets the upload's own check (receive.ts) answer 413.
      parser = busboy({
        headers: request.headers,
        limits: { files: 1, fields: MAX_FIELDS, fieldSize: MAX_DATA_BYTES, fileSize: maxBytes + 1, parts: MAX_FIELDS + 1 },
      });
    } catch {
      reject(badRequest('The request is not multipart/form-data with a boundary.'));
      return;
    }
    const fields: Record<string, string> = {};
    let received: Promise<T> | undefined;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      request.unpipe(parser);
      request.resume();
      // A file still arriving is cut off (its stream errors, and it cleans up after itself); one
      // that arrived is discarded. The refusal waits for either: once answered, nothing is kept.
      parser.destroy();
      const settled = received ? received.then(discard, () => undefined) : Promise.resolve();
      void settled.then(() => reject(error));
    };

    parser.on('file', (name, stream) => {
      if (name !== 'file' || received) {
        stream.resume();
        return;
      }
      received = receive(stream);
      received.catch(fail);
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new HttpError(413, `The field ${name} is too large.`));
      else fields[name] = value;
    });
    for (const limit of ['filesLimit', 'fieldsLimit', 'partsLimit'] as const) {
      parser.on(limit, () => fail(badRequest('Only one file and a few fields may be sent.')));
    }
    parser.on('error', () => fail(badRequest('The multipart body could not be read.')));
    parser.on('close', () => {
      if (failed) return;
      if (!received) return fail(missingFile());
      received.then((file) => resolve({ file, fields }), fail);
    });
    request.pipe(parser);
  });
}

import fs from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileTooLarge, notAnImage, SNIFF_BYTES, sniffFormat } from './formats';

/**
 * Streams `body` into the file at `target`, never holding more than a chunk in memory: refused
 * with 413 the moment it passes `maxBytes`, and with 422 as soon as its first bytes show it is not
 * a picture. On any failure nothing is left at `target`. Resolves with the number of bytes.
 */
export async function receiveToFile(body: Readable, target: string, maxBytes: number): Promise<number> {
  let received = 0;
  let head: Buffer | undefined = Buffer.alloc(0);
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > maxBytes) return done(fileTooLarge(maxBytes));
      if (head) {
        head = Buffer.concat([head, chunk]);
        if (head.length >= SNIFF_BYTES) {
          if (!sniffFormat(head)) return done(notAnImage());
          head = undefined;
        }
      }
      done(null, chunk);
    },
    flush(done) {
      // Shorter than the sniffed prefix: a picture that small is none.
      done(head && !sniffFormat(head) ? notAnImage() : null);
    },
  });
  const file = fs.createWriteStream(target, { flags: 'wx' });
  try {
    await pipeline(body, check, file);
    return received;
  } catch (error) {
    // A stream destroyed while still opening creates the file as it closes: remove it after that.
    if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
    await fs.promises.rm(target, { force: true });
    // Stop reading what is left of a refused request.
    body.resume();
    throw error;
  }
}

import fs from 'node:fs';
import path from 'node:path';
import { notFound } from '../../http/errors';
import { SNIFF_BYTES, MIME_TYPES, sniffFormat } from './formats';
import { receiveToFile } from './receive';
import type { FileStorage } from './storage';
import { isStoredName } from './storage';

/** Stored files never change (a new upload gets a new key), so clients may keep them for a year. */
const MAX_AGE_MS = 365 * 24 * 3600 * 1000;

/** The first bytes of a stored file say its type; the file's name has none to say. */
async function sniffedType(file: string): Promise<string | undefined> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    const format = sniffFormat(buffer.subarray(0, bytesRead));
    return format && MIME_TYPES[format];
  } finally {
    await handle.close();
  }
}

/** Files in a directory: UPLOAD_DIR, with files on their way in under its `.incoming` folder. */
export async function createDiskStorage(dir: string): Promise<FileStorage> {
  const root = path.resolve(dir);
  const scratchDir = path.join(root, '.incoming');
  await fs.promises.mkdir(scratchDir, { recursive: true });
  const fileOf = (key: string) => {
    // Keys are the server's own; this is the line that keeps it so.
    if (!isStoredName(key)) throw new Error(`not a storage key: ${key}`);
    return path.join(root, key);
  };

  return {
    kind: 'disk',
    scratchDir,
    // A rename within one file system: the file appears whole or not at all.
    putFile: (key, localPath) => fs.promises.rename(localPath, fileOf(key)),
    async download(key, localPath, maxBytes) {
      const source = fs.createReadStream(fileOf(key));
      try {
        return await receiveToFile(source, localPath, maxBytes);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    remove: (key) => fs.promises.rm(fileOf(key), { force: true }),
    async serve(req, res, key) {
      if (!isStoredName(key)) throw notFound();
      const file = fileOf(key);
      const type = await sniffedType(file).catch(() => undefined);
      if (!type) throw notFound();
      const stat = await fs.promises.stat(file);
      // Set here: the app turns Express's ETags off (for JSON), and send honours one already set.
      const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
      res.set({ 'Content-Type': type, 'X-Content-Type-Options': 'nosniff', ETag: etag });
      // send (Express's sendFile) does ETag, Last-Modified, conditional GETs and ranges (206, 416).
      await new Promise<void>((resolve, reject) => {
        res.sendFile(file, { maxAge: MAX_AGE_MS, immutable: true, dotfiles: 'deny' }, (error) => (error ? reject(error) : resolve()));
      }).catch((error: { status?: number }) => {
        if (error.status === 404) throw notFound();
        throw error;
      });
    },
  };
}

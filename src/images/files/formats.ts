import { HttpError } from '../../http/errors';

/** The picture formats an upload may be, by the contract; SVG (a document, not a picture) is not one. */
const FILE_FORMATS = ['jpeg', 'png', 'gif', 'webp', 'avif', 'tiff', 'bmp'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export const MIME_TYPES: Record<FileFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  tiff: 'image/tiff',
  bmp: 'image/bmp',
};

const EXTENSIONS: Record<string, FileFormat> = {
  jpg: 'jpeg', jpeg: 'jpeg', jpe: 'jpeg', jfif: 'jpeg', png: 'png', gif: 'gif', webp: 'webp',
  avif: 'avif', tif: 'tiff', tiff: 'tiff', bmp: 'bmp',
};

/** Bytes enough to tell every accepted format apart (AVIF's brands sit in the first box). */
export const SNIFF_BYTES = 32;

const startsWith = (head: Buffer, bytes: number[], at = 0) => bytes.every((byte, i) => head[at + i] === byte);
const ascii = (head: Buffer, start: number, end: number) => head.subarray(start, end).toString('latin1');

/**
 * The format the first bytes of a file say it is, whatever its name or declared type says:
 * undefined for anything else (text, SVG, PDF, HEIC…).
 */
export function sniffFormat(head: Buffer): FileFormat | undefined {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'webp';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (ascii(head, 0, 2) === 'BM' && head.length >= 18 && head.readUInt32LE(14) >= 12) return 'bmp';
  if (ascii(head, 4, 8) === 'ftyp') {
    // The major brand, then the compatible brands, four bytes each, up to the end of the box.
    const boxEnd = Math.min(head.readUInt32BE(0), head.length);
    for (let at = 8; at + 4 <= boxEnd; at += 4) {
      const brand = ascii(head, at, at + 4);
      if (brand === 'avif' || brand === 'avis') return 'avif';
    }
  }
  return undefined;
}

/**
 * The format a client declares for an upload: a MIME type (`image/png`) or an extension (`png`,
 * `.PNG`); undefined when it names none of the accepted formats.
 */
export function declaredFormat(value: unknown): FileFormat | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  const byMime = FILE_FORMATS.find((format) => MIME_TYPES[format] === text.split(';')[0]!.trim());
  if (byMime) return byMime;
  if (text === 'image/jpg') return 'jpeg';
  return EXTENSIONS[text.replace(/^\./, '')];
}

export const NOT_AN_IMAGE = 'The file must be a PNG, JPEG, GIF, WebP, AVIF, TIFF or BMP picture.';

export const notAnImage = (message = NOT_AN_IMAGE) =>
  new HttpError(422, 'The given data was invalid.', { errors: { file: [message] } });

export const fileTooLarge = (maxBytes: number) =>
  new HttpError(413, `The file is too large: at most ${maxBytes} bytes.`);

export const quotaExceeded = (quotaBytes: number) =>
  new HttpError(413, `Your storage quota of ${quotaBytes} bytes is used up: delete some images first.`);

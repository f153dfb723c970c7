import fs from 'node:fs/promises';
import { encode as encodeBlurhash } from 'blurhash';
import exifr from 'exifr';
import sharp, { type Sharp } from 'sharp';
import { brightness, type DominantColor, dominantColors, laplacianVariance, PHASH_SIDE, perceptualHash } from './analysis';
import { decodeBmp, UnsupportedBmp } from './bmp';
import { type FileFormat, MIME_TYPES, NOT_AN_IMAGE, SNIFF_BYTES, sniffFormat } from './formats';

/**
 * Measures one picture file and writes its two stored forms: the copy without private metadata
 * and the thumbnail. Runs in a measuring worker (measure-pool.ts): decoding is sharp's (libvips,
 * on its own threads), the arithmetic and the EXIF parsing are JavaScript that would otherwise
 * hold the event loop.
 */

const MAX_PIXELS = 50_000_000;
const THUMBNAIL_SIDE = 320;
/** The focus measure is taken on a copy this size, so that it compares pictures of any size. */
const SHARPNESS_SIDE = 1024;

interface ExifSummary {
  make: string | null;
  model: string | null;
  lens: string | null;
  taken_at: string | null;
  exposure_time: number | null;
  f_number: number | null;
  iso: number | null;
  focal_length: number | null;
}

/** The measurements of the contract but `duplicate_of` and `thumbnail_url`, which need the database. */
export interface FileMetrics {
  width: number;
  height: number;
  format: FileFormat;
  bytes: number;
  megapixels: number;
  orientation: number;
  has_alpha: boolean;
  dominant_colors: DominantColor[];
  brightness: number;
  sharpness: number;
  phash: string;
  blurhash: string;
  exif: ExifSummary;
}

export type MeasureResult =
  | { ok: true; metrics: FileMetrics; contentType: string; storedBytes: number; thumbnailBytes: number }
  | { ok: false; reason: string };

// Only these tags are read: GPS, serial numbers, owner names and maker notes never leave the file.
const EXIF_TAGS = ['Make', 'Model', 'LensModel', 'DateTimeOriginal', 'ExposureTime', 'FNumber', 'ISO', 'FocalLength'];

const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 128) : null);
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** `2024:05:01 10:00:00` as `2024-05-01T10:00:00`: the camera's clock, with no time zone to add. */
function exifDate(value: unknown): string | null {
  const match = typeof value === 'string' ? /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value) : null;
  return match ? `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}` : null;
}

async function readExif(file: string): Promise<ExifSummary> {
  const tags: Record<string, unknown> =
    (await exifr.parse(file, { pick: EXIF_TAGS, reviveValues: false, translateValues: false }).catch(() => undefined)) ?? {};
  return {
    make: text(tags.Make),
    model: text(tags.Model),
    lens: text(tags.LensModel),
    taken_at: exifDate(tags.DateTimeOriginal),
    exposure_time: number(tags.ExposureTime),
    f_number: number(tags.FNumber),
    iso: number(Array.isArray(tags.ISO) ? tags.ISO[0] : tags.ISO),
    focal_length: number(tags.FocalLength),
  };
}

/** The picture as sharp reads it, from the file (libvips reads what it needs); a BMP is decoded here first. */
async function openPicture(input: string, format: FileFormat): Promise<Sharp> {
  if (format === 'bmp') {
    const raw = decodeBmp(await fs.readFile(input), MAX_PIXELS);
    return sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } });
  }
  // 'truncated' makes a cut-off file an error instead of a picture with a grey bottom.
  return sharp(input, { failOn: 'truncated', limitInputPixels: MAX_PIXELS });
}

/**
 * The stored copy: re-encoded with the orientation applied and no metadata (sharp keeps none
 * unless told), the colour profile aside, so no GPS, serial or maker note survives in any
 * container. GIF and BMP carry no EXIF and are kept byte for byte (re-encoding a GIF loses its
 * palette and can lose its animation).
 */
async function writeStoredCopy(picture: Sharp, input: string, format: FileFormat, output: string): Promise<void> {
  if (format === 'gif' || format === 'bmp') return fs.copyFile(input, output);
  const oriented = picture.clone().autoOrient().keepIccProfile();
  const encoded =
    format === 'jpeg' ? oriented.jpeg({ quality: 92 })
    : format === 'png' ? oriented.png()
    : format === 'webp' ? oriented.webp({ quality: 92 })
    : format === 'avif' ? oriented.avif({ quality: 70 })
    : oriented.tiff({ compression: 'lzw' });
  await encoded.toFile(output);
}

/** Raw pixels of a smaller copy: greyscale or RGB on white, or RGBA; `fill` squeezes to a square. */
async function pixels(picture: Sharp, side: number, options: { grey?: boolean; alpha?: boolean; fill?: boolean } = {}) {
  let resized = picture.clone().resize(side, side, { fit: options.fill ? 'fill' : 'inside', withoutEnlargement: !options.fill });
  resized = options.alpha ? resized.ensureAlpha() : resized.flatten({ background: '#ffffff' });
  if (options.grey) resized = resized.greyscale();
  const { data, info } = await resized.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

async function readHead(input: string): Promise<{ head: Buffer; bytes: number }> {
  const handle = await fs.open(input, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    return { head: buffer.subarray(0, bytesRead), bytes: (await handle.stat()).size };
  } finally {
    await handle.close();
  }
}

/** Loaded by name in the measuring workers (measure-pool.ts). @public */
export async function measureFile(input: string, outputs: { file: string; thumbnail: string }): Promise<MeasureResult> {
  const { head, bytes } = await readHead(input);
  const format = sniffFormat(head);
  if (!format) return { ok: false, reason: NOT_AN_IMAGE };
  try {
    const picture = await openPicture(input, format);
    const header = await picture.metadata();
    const orientation = format === 'bmp' ? 1 : (header.orientation ?? 1);
    const width = header.autoOrient?.width ?? header.width;
    const height = header.autoOrient?.height ?? header.height;
    if (width * height > MAX_PIXELS) return { ok: false, reason: tooManyPixels(width, height) };

    // Decoding the whole picture (the stored copy) is what finds a truncated or corrupt file.
    await writeStoredCopy(picture, input, format, outputs.file);
    // Everything else comes from one oriented copy at most 1024 px a side, decoded once (JPEG
    // shrinks on load): a handful of full decodes of a 50-megapixel picture would cost 150 MB each.
    const reduced = await picture
      .clone()
      .autoOrient()
      .resize(SHARPNESS_SIDE, SHARPNESS_SIDE, { fit: 'inside', withoutEnlargement: true })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const small = sharp(reduced.data, { raw: { width: reduced.info.width, height: reduced.info.height, channels: 4 } });
    const [thumbnail, grey, grey32, colours, blur, exif, stored] = await Promise.all([
      small.clone().resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside' }).webp({ quality: 80 }).toFile(outputs.thumbnail),
      pixels(small, SHARPNESS_SIDE, { grey: true }),
      pixels(small, PHASH_SIDE, { grey: true, fill: true }),
      pixels(small, 64),
      pixels(small, 32, { alpha: true }),
      readExif(input),
      fs.stat(outputs.file),
    ]);
    return {
      ok: true,
      contentType: MIME_TYPES[format],
      storedBytes: stored.size,
      thumbnailBytes: thumbnail.size,
      metrics: {
        width,
        height,
        format,
        bytes,
        megapixels: round((width * height) / 1e6, 3),
        orientation,
        has_alpha: header.hasAlpha ?? false,
        dominant_colors: dominantColors(colours.data),
        brightness: round(brightness(grey.data), 4),
        sharpness: round(laplacianVariance(grey.data, grey.width, grey.height), 2),
        phash: perceptualHash(grey32.data),
        blurhash: encodeBlurhash(new Uint8ClampedArray(blur.data), blur.width, blur.height, 4, 3),
        exif,
      },
    };
  } catch (error) {
    return { ok: false, reason: unreadableReason(error) };
  }
}

const tooManyPixels = (width: number, height: number) =>
  `The picture has ${width}×${height} pixels: at most ${MAX_PIXELS / 1e6} megapixels are accepted.`;

/** What a client is told about a file sharp could not read; the library's own words say which way. */
function unreadableReason(error: unknown): string {
  if (error instanceof UnsupportedBmp) {
    return error.message === 'too many pixels' ? `The picture has more than ${MAX_PIXELS / 1e6} megapixels.` : error.message;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return `The picture has more than ${MAX_PIXELS / 1e6} megapixels.`;
  return 'The picture is truncated or corrupt and could not be read.';
}

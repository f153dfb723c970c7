import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import exifr from 'exifr';
import sharp from 'sharp';
import { MeasurePool } from '../../../src/images/files/measure-pool';
import { bmp24, jpegWithGps, pngWithAlpha, sixtyMegapixelPng, textFile, truncatedJpeg } from '../../helpers/image-fixtures';

let pool: MeasurePool;
let dir: string;
beforeAll(() => {
  pool = new MeasurePool(2);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'measure-test-'));
});
afterAll(async () => {
  await pool.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
async function measure(file: Buffer) {
  const input = path.join(dir, String((counter += 1)));
  fs.writeFileSync(input, file);
  const outputs = { file: `${input}.stored`, thumbnail: `${input}.thumbnail` };
  return { result: await pool.measure(input, outputs), outputs };
}

describe('measuring a picture', () => {
  test('when a rotated JPEG with GPS is measured, then the metrics match it and the stored copy keeps no GPS', async () => {
    const { result, outputs } = await measure(await jpegWithGps(640, 480));
    if (!result.ok) throw new Error(result.reason);
    expect(result.metrics).toMatchObject({
      width: 480,
      height: 640,
      format: 'jpeg',
      megapixels: 0.307,
      orientation: 6,
      has_alpha: false,
      exif: { make: 'Canon', model: 'EOS R5', lens: 'RF50mm F1.8', taken_at: '2024-05-01T10:00:00', exposure_time: 0.008, f_number: 2.8, iso: 200, focal_length: 50 },
    });
    expect(result.metrics.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(result.metrics.blurhash.length).toBeGreaterThan(6);
    // The blue three quarters and the yellow quarter, then slivers where the two blend.
    expect(result.metrics.dominant_colors.slice(0, 2).map((colour) => colour.hex)).toEqual([expect.stringMatching(/^#3[34]6[6a]a/), expect.stringMatching(/^#f[ef]c[c0]0/)]);
    expect(result.metrics.dominant_colors[0]!.share).toBeCloseTo(0.75, 1);
    expect(JSON.stringify(result.metrics)).not.toMatch(/GPS|latitude|SN-0042|Jane/i);

    const stored = await sharp(outputs.file).metadata();
    expect([stored.format, stored.width, stored.height, stored.exif]).toEqual(['jpeg', 480, 640, undefined]);
    expect(await exifr.gps(outputs.file).catch(() => undefined)).toBeUndefined();
    const thumbnail = await sharp(outputs.thumbnail).metadata();
    expect([thumbnail.format, thumbnail.width, thumbnail.height]).toEqual(['webp', 240, 320]);
  });

  test('when a PNG with alpha and a BMP are measured, then each is read for what it is', async () => {
    const png = await measure(await pngWithAlpha(200, 100));
    expect(png.result).toMatchObject({ ok: true, metrics: { format: 'png', width: 200, height: 100, has_alpha: true, orientation: 1 } });
    const bmp = await measure(bmp24(4, 3));
    expect(bmp.result).toMatchObject({ ok: true, contentType: 'image/bmp', metrics: { format: 'bmp', width: 4, height: 3 } });
    expect(bmp.result.ok && bmp.result.metrics.dominant_colors).toEqual([{ hex: '#2040ff', share: 1 }]);
  });

  test.each([
    ['a text file', () => Promise.resolve(textFile()), /PNG, JPEG/],
    ['a 60-megapixel PNG', sixtyMegapixelPng, /50 megapixels/],
    ['a truncated JPEG', truncatedJpeg, /truncated or corrupt/],
  ])('when %s is measured, then it is refused with a reason and nothing is written', async (_name, make, reason) => {
    const { result, outputs } = await measure(await make());
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(reason) });
    expect(fs.existsSync(outputs.thumbnail)).toBe(false);
  });

  test('when the same picture is measured twice, slightly changed, then the perceptual hashes are near', async () => {
    const scene = Buffer.from(
      '<svg width="640" height="480"><rect width="640" height="480" fill="#245"/><circle cx="200" cy="220" r="120" fill="#fc3"/>' +
        '<rect x="380" y="60" width="200" height="340" fill="#c33"/><path d="M0 480 L320 300 L640 480 Z" fill="#6a4"/></svg>',
    );
    const original = await sharp(scene).jpeg({ quality: 90 }).toBuffer();
    // Half the size, more compressed.
    const smaller = await sharp(original).resize(320).jpeg({ quality: 60 }).toBuffer();
    const [a, b] = await Promise.all([measure(original), measure(smaller)]);
    if (!a.result.ok || !b.result.ok) throw new Error('not measured');
    const distance = (BigInt(`0x${a.result.metrics.phash}`) ^ BigInt(`0x${b.result.metrics.phash}`)).toString(2).replace(/0/g, '').length;
    expect(distance).toBeLessThanOrEqual(6);
  });
});

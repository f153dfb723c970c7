import sharp from 'sharp';

/**
 * Pictures made by sharp for the image-file tests: nothing binary is kept in the repository, and
 * each fixture says what it is for.
 */

/** A photo with the EXIF a phone writes, GPS and a serial number included, taken rotated (orientation 6). */
export async function jpegWithGps(width = 640, height = 480): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3366aa' } })
    .composite([{ input: { create: { width: width / 2, height: height / 2, channels: 3, background: '#ffcc00' } }, left: 0, top: 0 }])
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .withExif({
      IFD0: { Make: 'Canon', Model: 'EOS R5', Artist: 'Jane Doe' },
      IFD2: {
        ExposureTime: '1/125',
        FNumber: '28/10',
        ISOSpeedRatings: '200',
        FocalLength: '50/1',
        DateTimeOriginal: '2024:05:01 10:00:00',
        LensModel: 'RF50mm F1.8',
        BodySerialNumber: 'SN-0042',
      },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 0/1' },
    })
    .toBuffer();
}

/** A PNG with a transparent half. */
export function pngWithAlpha(width = 200, height = 100): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.5 } } }).png().toBuffer();
}

/** 8000×7500 = 60 megapixels of one colour: a few kB of PNG. */
export function sixtyMegapixelPng(): Promise<Buffer> {
  return sharp({ create: { width: 8000, height: 7500, channels: 3, background: '#808080' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** A JPEG cut off half-way: the header reads fine, the pixels end early. */
export async function truncatedJpeg(): Promise<Buffer> {
  const whole = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#00aa00' } })
    .composite([{ input: Buffer.from('<svg width="400" height="400"><circle cx="200" cy="200" r="150" fill="#a00"/></svg>') }])
    .jpeg()
    .toBuffer();
  return whole.subarray(0, Math.floor(whole.length / 2));
}

/** Text, whatever its name says. */
export const textFile = (): Buffer => Buffer.from('this is not a picture, whatever its name says\n'.repeat(20));

/** A 24-bit uncompressed BMP, written by hand: sharp has no BMP writer. */
export function bmp24(width = 4, height = 3): Buffer {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const file = Buffer.alloc(54 + rowBytes * height);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(54, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(24, 28);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) file.writeUIntLE(0x2040ff, 54 + y * rowBytes + x * 3, 3); // BGR: red-ish
  }
  return file;
}

/** Noise of `bytes` bytes behind a JPEG signature: over any limit it is tested against, and never decoded. */
export function oversizedJpeg(bytes: number): Buffer {
  const file = Buffer.alloc(bytes, 0x55);
  file.set([0xff, 0xd8, 0xff, 0xe0]);
  return file;
}

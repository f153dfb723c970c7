/**
 * BMP, decoded here because the libvips inside sharp's prebuilt binaries has no BMP reader (it
 * reads BMP only through ImageMagick, which those binaries leave out). Covers what cameras, paint
 * programs and browsers write: uncompressed 24- and 32-bit (BI_RGB, and BI_BITFIELDS in the usual
 * BGRA masks) and 8-bit paletted, bottom-up or top-down. RLE and other depths are refused.
 */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;

export class UnsupportedBmp extends Error {}

export function decodeBmp(file: Buffer, maxPixels: number): RawImage {
  if (file.length < 54) throw new UnsupportedBmp('The BMP file is truncated.');
  const pixelOffset = file.readUInt32LE(10);
  const headerSize = file.readUInt32LE(14);
  if (headerSize < 40) throw new UnsupportedBmp('This BMP header version is not supported.');
  const width = file.readInt32LE(18);
  const rawHeight = file.readInt32LE(22);
  const bitsPerPixel = file.readUInt16LE(28);
  const compression = file.readUInt32LE(30);
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  if (width <= 0 || height === 0) throw new UnsupportedBmp('The BMP file has no pixels.');
  if (width * height > maxPixels) throw new UnsupportedBmp('too many pixels');
  const bitfields = compression === BI_BITFIELDS && (bitsPerPixel === 32 || bitsPerPixel === 24);
  if (!(compression === BI_RGB || bitfields) || ![8, 24, 32].includes(bitsPerPixel)) {
    throw new UnsupportedBmp('Only uncompressed 8-, 24- and 32-bit BMP files are supported.');
  }
  const rowBytes = Math.ceil((width * bitsPerPixel) / 32) * 4;
  if (pixelOffset + rowBytes * height > file.length) throw new UnsupportedBmp('The BMP file is truncated.');

  // A 32-bit BI_RGB pixel's fourth byte is padding (often 0): only BI_BITFIELDS carries alpha.
  const channels = bitsPerPixel === 32 && compression === BI_BITFIELDS ? 4 : 3;
  const palette = bitsPerPixel === 8 ? file.subarray(14 + headerSize, pixelOffset) : undefined;
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y += 1) {
    const row = pixelOffset + (topDown ? y : height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x += 1) {
      const out = (y * width + x) * channels;
      if (palette) {
        const entry = file[row + x]! * 4;
        data[out] = palette[entry + 2] ?? 0;
        data[out + 1] = palette[entry + 1] ?? 0;
        data[out + 2] = palette[entry] ?? 0;
        continue;
      }
      const at = row + x * (bitsPerPixel / 8);
      data[out] = file[at + 2]!;
      data[out + 1] = file[at + 1]!;
      data[out + 2] = file[at]!;
      if (channels === 4) data[out + 3] = file[at + 3]!;
    }
  }
  return { data, width, height, channels };
}

/**
 * Pure pixel arithmetic of the measurements: CPU work that runs in the measuring workers
 * (measure.ts), never on the event loop.
 */

/** Mean luminance 0–1 of 8-bit greyscale pixels. */
export function brightness(grey: Uint8Array): number {
  let sum = 0;
  for (const value of grey) sum += value;
  return grey.length === 0 ? 0 : sum / grey.length / 255;
}

/** Variance of the 4-neighbour Laplacian of 8-bit greyscale pixels: higher is sharper. */
export function laplacianVariance(grey: Uint8Array, width: number, height: number): number {
  let sum = 0;
  let sumSquares = 0;
  let count = 0;
  for (let y = 1; y < height - 1; y += 1) {
    for (let x = 1; x < width - 1; x += 1) {
      const at = y * width + x;
      const value = grey[at - width]! + grey[at + width]! + grey[at - 1]! + grey[at + 1]! - 4 * grey[at]!;
      sum += value;
      sumSquares += value * value;
      count += 1;
    }
  }
  if (count === 0) return 0;
  const mean = sum / count;
  return sumSquares / count - mean * mean;
}

const PHASH_SIZE = 32;
const PHASH_BITS = 8;
const COSINES = Array.from({ length: PHASH_BITS }, (_, u) =>
  Array.from({ length: PHASH_SIZE }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * PHASH_SIZE))),
);

/**
 * The DCT perceptual hash: the 8×8 lowest frequencies of a 32×32 greyscale copy, each bit set when
 * its coefficient is above their median (the DC term left out of the median, as it only says how
 * bright the picture is). Near-identical pictures differ in a few bits; 16 hex digits.
 */
export function perceptualHash(grey32: Uint8Array): string {
  const coefficients: number[] = [];
  for (let u = 0; u < PHASH_BITS; u += 1) {
    for (let v = 0; v < PHASH_BITS; v += 1) {
      let sum = 0;
      for (let y = 0; y < PHASH_SIZE; y += 1) {
        for (let x = 0; x < PHASH_SIZE; x += 1) sum += grey32[y * PHASH_SIZE + x]! * COSINES[u]![y]! * COSINES[v]![x]!;
      }
      coefficients.push(sum);
    }
  }
  const sorted = coefficients.slice(1).sort((a, b) => a - b);
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hash = 0n;
  for (const coefficient of coefficients) hash = (hash << 1n) | (coefficient > median ? 1n : 0n);
  return hash.toString(16).padStart(16, '0');
}

export const PHASH_SIDE = PHASH_SIZE;

export interface DominantColor {
  hex: string;
  share: number;
}

const hexByte = (value: number) => Math.round(value).toString(16).padStart(2, '0');

/**
 * Up to five dominant colours of 8-bit RGB pixels: each pixel falls into one of 512 boxes (3 bits
 * per channel), the largest boxes win, and each is shown as the mean colour of its pixels.
 */
export function dominantColors(rgb: Uint8Array, limit = 5): DominantColor[] {
  const boxes = new Map<number, { count: number; r: number; g: number; b: number }>();
  const pixels = Math.floor(rgb.length / 3);
  for (let at = 0; at < pixels * 3; at += 3) {
    const r = rgb[at]!;
    const g = rgb[at + 1]!;
    const b = rgb[at + 2]!;
    const box = ((r >> 5) << 6) | ((g >> 5) << 3) | (b >> 5);
    const sums = boxes.get(box) ?? { count: 0, r: 0, g: 0, b: 0 };
    sums.count += 1;
    sums.r += r;
    sums.g += g;
    sums.b += b;
    boxes.set(box, sums);
  }
  return [...boxes.values()]
    .sort((a, b) => b.count - a.count)
    .slice(0, limit)
    .map(({ count, r, g, b }) => ({
      hex: `#${hexByte(r / count)}${hexByte(g / count)}${hexByte(b / count)}`,
      share: Math.round((count / pixels) * 1000) / 1000,
    }));
}

/**
 * The success model: logistic regression over hashed features of what a creator knows before
 * launch (category, main category, country, goal, duration, the words of the name and
 * description), trained by AdaGrad. Hashing keeps the model a fixed array of weights, whatever
 * words the dataset holds; predicting is a few dozen multiply-adds.
 */

export interface ModelInput {
  category: string | null;
  mainCategory: string | null;
  /** ISO code. */
  country: string | null;
  goalUsd: number;
  durationDays: number;
  text: string;
}

export interface TrainedModel {
  bits: number;
  weights: number[];
  /** Lower-cased category → its main category, to place a campaign that names only a category. */
  mainOf: Record<string, string>;
}

export interface ModelQuality {
  trainRows: number;
  testRows: number;
  accuracy: number;
  auc: number;
  /** The accuracy of always answering the test fifth's more common outcome. */
  baselineAccuracy: number;
}

const MODEL_BITS = 16;
const MAX_WORDS = 30;
const EPOCHS = 4;
const LEARNING_RATE = 0.2;
const L2 = 1e-6;

/** FNV-1a, 32 bits. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const WORD = /\p{L}[\p{L}\p{N}']*/gu;

/** Feature names and values; the same function serves training and prediction. */
function featuresOf(input: ModelInput): Array<[string, number]> {
  const goal = Math.max(input.goalUsd, 1);
  const goalBucket = Math.floor(Math.log2(goal));
  const duration = Math.min(Math.max(input.durationDays, 0), 92);
  const features: Array<[string, number]> = [
    ['bias', 1],
    [`k:${input.country ?? '?'}`, 1],
    ['log goal', Math.log10(goal) - 3.5],
    [`g:${goalBucket}`, 1],
    ['duration', (duration - 30) / 30],
    [`d:${Math.round(duration / 5)}`, 1],
  ];
  if (input.category) features.push([`c:${input.category}`, 1], [`cg:${input.category}:${goalBucket}`, 1]);
  if (input.mainCategory) features.push([`m:${input.mainCategory}`, 1], [`mg:${input.mainCategory}:${goalBucket}`, 1]);
  const words = new Set(input.text.toLowerCase().match(WORD) ?? []);
  let count = 0;
  for (const word of words) {
    if ((count += 1) > MAX_WORDS) break;
    features.push([`w:${word}`, 1]);
  }
  return features;
}

/** Hashed features: parallel arrays of weight indexes and values. */
function encode(input: ModelInput, bits = MODEL_BITS): { indexes: number[]; values: number[] } {
  const mask = (1 << bits) - 1;
  const indexes: number[] = [];
  const values: number[] = [];
  for (const [name, value] of featuresOf(input)) {
    indexes.push(hash(name) & mask);
    values.push(value);
  }
  return { indexes, values };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-Math.max(-35, Math.min(35, z))));

function score(weights: ArrayLike<number>, indexes: ArrayLike<number>, values: ArrayLike<number>, from: number, to: number): number {
  let z = 0;
  for (let k = from; k < to; k += 1) z += weights[indexes[k]!]! * values[k]!;
  return sigmoid(z);
}

/** The probability of success of one campaign. */
export function predict(model: TrainedModel, input: ModelInput): number {
  const { indexes, values } = encode(input, model.bits);
  return score(model.weights, indexes, values, 0, indexes.length);
}

/** Training rows, encoded once: row r's features are entries offsets[r] … offsets[r + 1] - 1. */
export interface EncodedRows {
  offsets: number[];
  indexes: number[];
  values: number[];
  labels: number[];
}

export function emptyRows(): EncodedRows {
  return { offsets: [0], indexes: [], values: [], labels: [] };
}

export function addRow(rows: EncodedRows, input: ModelInput, successful: boolean): void {
  const { indexes, values } = encode(input);
  for (let k = 0; k < indexes.length; k += 1) {
    rows.indexes.push(indexes[k]!);
    rows.values.push(values[k]!);
  }
  rows.offsets.push(rows.indexes.length);
  rows.labels.push(successful ? 1 : 0);
}

/** A seeded shuffle (mulberry32), so that the same data always gives the same model. */
function shuffled(items: number[], seed = 13): number[] {
  let a = seed;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** ROC AUC by ranks (Mann–Whitney U), ties sharing their average rank. */
export function rocAuc(scores: number[], labels: number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j += 1;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k += 1) {
      if (labels[order[k]!] === 1) {
        positives += 1;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Trains on four fifths of the rows (every fifth row is held out) and measures the model on the
 * fifth it never saw; the model kept is the one measured.
 */
export function train(rows: EncodedRows, mainOf: Record<string, string>): { model: TrainedModel; quality: ModelQuality } {
  const weights = new Float64Array(1 << MODEL_BITS);
  const squares = new Float64Array(1 << MODEL_BITS).fill(1e-8);
  const all = rows.labels.map((_, r) => r);
  const trainRows = all.filter((r) => r % 5 !== 4);
  const testRows = all.filter((r) => r % 5 === 4);
  for (let epoch = 0; epoch < EPOCHS; epoch += 1) {
    for (const r of shuffled([...trainRows], epoch + 1)) {
      const from = rows.offsets[r]!;
      const to = rows.offsets[r + 1]!;
      const error = score(weights, rows.indexes, rows.values, from, to) - rows.labels[r]!;
      for (let k = from; k < to; k += 1) {
        const i = rows.indexes[k]!;
        const gradient = error * rows.values[k]! + L2 * weights[i]!;
        squares[i] = squares[i]! + gradient * gradient;
        weights[i] = weights[i]! - (LEARNING_RATE * gradient) / Math.sqrt(squares[i]!);
      }
    }
  }
  // Six significant digits keep the stored JSON small; the model measured is the one stored.
  const stored = Array.from(weights, (w) => Number(w.toPrecision(6)));
  const scores = testRows.map((r) => score(stored, rows.indexes, rows.values, rows.offsets[r]!, rows.offsets[r + 1]!));
  const labels = testRows.map((r) => rows.labels[r]!);
  const correct = scores.filter((s, i) => (s >= 0.5 ? 1 : 0) === labels[i]).length;
  const successes = labels.filter((label) => label === 1).length;
  const n = Math.max(testRows.length, 1);
  return {
    model: { bits: MODEL_BITS, weights: stored, mainOf },
    quality: {
      trainRows: trainRows.length,
      testRows: testRows.length,
      accuracy: correct / n,
      auc: rocAuc(scores, labels),
      baselineAccuracy: Math.max(successes, testRows.length - successes) / n,
    },
  };
}

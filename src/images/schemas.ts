import { z } from 'zod';
import { isStorableText, messages, stringField, unstorableTextMessage } from '../http/validation';

export const IMAGE_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/svg+xml',
  'image/avif',
  'image/bmp',
  'image/tiff',
] as const;

type ImageType = (typeof IMAGE_TYPES)[number];

export const MAX_URL_LENGTH = 2048;
export const MAX_DATA_BYTES = 16_384;
/** Far deeper than any image's metadata; deeper JSON would overflow the stack when serialised. */
export const MAX_DATA_DEPTH = 64;

/** An image's data as stored: `url`, usually `type`, and whatever else the client keeps there. */
export type ImageData = { url: string; type?: ImageType } & Record<string, unknown>;

const TYPES_BY_EXTENSION = new Map<string, ImageType>([
  ['png', 'image/png'],
  ['jpg', 'image/jpeg'],
  ['jpeg', 'image/jpeg'],
  ['jpe', 'image/jpeg'],
  ['jfif', 'image/jpeg'],
  ['gif', 'image/gif'],
  ['webp', 'image/webp'],
  ['svg', 'image/svg+xml'],
  ['avif', 'image/avif'],
  ['bmp', 'image/bmp'],
  ['tif', 'image/tiff'],
  ['tiff', 'image/tiff'],
]);

const HTTP_URL_PREFIX = /^https?:\/\//i;

function parseHttpUrl(value: string): URL | undefined {
  if (!HTTP_URL_PREFIX.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The image type named by the extension of the URL's last path segment (`.../cat.PNG?s=1` is a PNG). */
function inferImageType(url: unknown): ImageType | undefined {
  const parsed = typeof url === 'string' ? parseHttpUrl(url.trim()) : undefined;
  const name = parsed?.pathname.split('/').pop() ?? '';
  const dot = name.lastIndexOf('.');
  return dot < 0 ? undefined : TYPES_BY_EXTENSION.get(name.slice(dot + 1).toLowerCase());
}

/** `data` with its `type` inferred from the URL when absent (or null); left out when it cannot be. */
function withInferredType<T extends Record<string, unknown>>(data: T): T {
  if (data.type !== undefined && data.type !== null) return data;
  const { type: _absent, ...rest } = data;
  const inferred = inferImageType(data.url);
  return (inferred === undefined ? rest : { ...rest, type: inferred }) as T;
}

/**
 * Why `data` cannot be stored, if it cannot: nested too deep, holding text PostgreSQL refuses, or
 * over the size cap once its type is inferred. Walks without recursion: the depth is checked
 * before anything serialises the value.
 */
function dataProblem(data: unknown): string | undefined {
  const pending: Array<{ value: unknown; depth: number }> = [{ value: data, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, depth } = next;
    if (typeof value === 'string') {
      if (!isStorableText(value)) return unstorableTextMessage('data');
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_DATA_DEPTH) return `The data may not be nested more than ${MAX_DATA_DEPTH} levels deep.`;
    for (const [key, child] of Object.entries(value)) {
      if (!isStorableText(key)) return unstorableTextMessage('data');
      pending.push({ value: child, depth: depth + 1 });
    }
  }
  const stored = data !== null && typeof data === 'object' ? withInferredType(data as Record<string, unknown>) : data;
  if (Buffer.byteLength(JSON.stringify(stored) ?? '', 'utf8') > MAX_DATA_BYTES) {
    return `The data may not be greater than ${MAX_DATA_BYTES} bytes of JSON.`;
  }
  return undefined;
}

const URL_MESSAGE = 'The url must be a valid http or https URL.';
const TYPE_MESSAGE = `The type must be one of: ${IMAGE_TYPES.join(', ')}.`;

/**
 * An image's `data` as a request gives it (see `imageDataFromBody` for the two body forms): `url`
 * required, `type` optional and inferred from the URL's extension when absent, anything else kept.
 * The output is the data to store.
 */
export const imageDataSchema = z
  .looseObject({
    url: stringField('url')
      .trim()
      .min(1, { message: messages.required('url'), abort: true })
      .max(MAX_URL_LENGTH, messages.maxLength('url', MAX_URL_LENGTH))
      .regex(HTTP_URL_PREFIX, URL_MESSAGE)
      .refine((value) => parseHttpUrl(value) !== undefined, URL_MESSAGE)
      .describe(`An http or https URL of at most ${MAX_URL_LENGTH} characters.`),
    type: z
      .enum(IMAGE_TYPES, { error: TYPE_MESSAGE })
      .nullish()
      .describe('When absent (or null), inferred from the extension of the URL\'s path, and left out when it cannot be.'),
  })
  .refine((data) => dataProblem(data) === undefined, {
    path: ['data'],
    when: () => true,
    error: (issue) => dataProblem(issue.input),
  })
  .transform((data) => withInferredType(data) as ImageData)
  .describe(
    `Any other keys are kept as given. The whole data is at most ${MAX_DATA_BYTES} bytes of JSON, ` +
      `nested at most ${MAX_DATA_DEPTH} levels deep.`,
  );

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The image data a body carries, in either of its forms: its `data` when that holds an object,
 * else the body itself without the keys a client never sets.
 */
function imageDataFromBody(body: unknown): Fields {
  const fields = isObject(body) ? body : {};
  if (isObject(fields.data)) return fields.data;
  const { id: _id, user_id: _userId, created_at: _createdAt, updated_at: _updatedAt, ...data } = fields;
  return data;
}

/** The body of POST and PUT: `{ "data": { … } }`, or the data itself at the top level. */
export const imageBodySchema = z.preprocess(imageDataFromBody, imageDataSchema.meta({ id: 'ImageData' }));

/**
 * The body of PATCH, in either form: any subset of the data, merged into what is stored; the
 * result must pass `imageDataSchema` (checked by the service, on the merged data).
 */
export const imagePatchSchema = z.preprocess(
  imageDataFromBody,
  z
    .looseObject({
      url: imageDataSchema.in.shape.url.optional(),
      type: imageDataSchema.in.shape.type,
    })
    .meta({ id: 'ImageDataPatch' })
    .describe(
      'Merged key by key into the stored data; the result must still be valid image data. A new url without a ' +
        'type drops the stored type, to be inferred again from the new URL.',
    ),
);

const nullableNumber = z.number().nullable();

/** What the server measured in the image's picture (contract, "Image files"). */
const measuredSchema = z
  .looseObject({
    width: z.number().int(),
    height: z.number().int(),
    format: z.enum(['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff', 'bmp']),
    bytes: z.number().int(),
    megapixels: z.number(),
    orientation: z.number().int().describe('The EXIF orientation (1-8) as found.'),
    has_alpha: z.boolean(),
    dominant_colors: z.array(z.object({ hex: z.string(), share: z.number() })).describe('Up to 5, largest share first.'),
    brightness: z.number().describe('Mean luminance, 0-1.'),
    sharpness: z.number().describe('Variance of the Laplacian on a greyscale copy.'),
    phash: z.string().describe('A perceptual hash (hex).'),
    duplicate_of: z.number().int().nullable().describe("The id of the owner's earliest near-duplicate image."),
    blurhash: z.string(),
    exif: z.looseObject({
      make: z.string().nullable(),
      model: z.string().nullable(),
      lens: z.string().nullable(),
      taken_at: z.string().nullable(),
      exposure_time: nullableNumber,
      f_number: nullableNumber,
      iso: nullableNumber,
      focal_length: nullableNumber,
    }),
    thumbnail_url: z.string().describe('A WebP thumbnail, 320 px on the long side.'),
  })
  .meta({ id: 'ImageMetrics' });

const metricsSchema = z
  .union([measuredSchema, z.object({ error: z.string() }).describe('The picture could not be fetched or read.')])
  .nullable()
  .describe('null until measured. GPS and other private metadata are never returned.');

/** The image object of every response. */
export const imageSchema = z
  .object({
    id: z.number().int(),
    user_id: z.number().int(),
    data: z.looseObject({ url: z.string(), type: z.enum(IMAGE_TYPES).optional() }),
    metrics: metricsSchema,
    created_at: z.string().describe('ISO-8601'),
    updated_at: z.string().describe('ISO-8601'),
  })
  .meta({ id: 'Image' });

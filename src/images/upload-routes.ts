import type { Request } from 'express';
import { z } from 'zod';
import { invalidData } from '../http/errors';
import { publicOrigin } from '../http/pagination';
import { routesOf } from '../http/routes';
import { validate } from '../http/validation';
import { readMultipartImage } from './files/multipart';
import type { ImageFiles } from './files/service';
import { type Image } from './model';
import { imageBodySchema } from './schemas';
import type { ImageService } from './service';

/** What the image routes use: the images, their files, and the largest file accepted. */
export interface ImageRouteDeps {
  images: ImageService;
  files: ImageFiles;
  maxBytes: number;
}

const route = routesOf<ImageRouteDeps>('Images');

export const MULTIPART_TEXT =
  'With `Content-Type: multipart/form-data` (`curl -F file=@cat.jpg -F \'data={"caption":"…"}\'`), the picture is ' +
  'the `file` field (required, one file) and `data` is optional JSON text holding the image data without `url`: the ' +
  '`url` and `type` are those of the stored file. The file must be a PNG, JPEG, GIF, WebP, AVIF, TIFF or BMP by its ' +
  'bytes, at most `UPLOAD_MAX_BYTES` and 50 megapixels: else 422 (413 for size or past the storage quota), and ' +
  'nothing is stored; a form refused for its `data` (422) or a field too large (413) keeps no file either. The 201 ' +
  'carries its `metrics`. GPS and other private metadata are stripped from the stored copy.';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * POST /api/images with a multipart form: the file stored and measured, then the image created
 * with it. The `data` field may come after the file, so it is read once the file is stored; a
 * form refused then lets its file go, as a refused file would have left nothing.
 */
export async function createFromMultipart(userId: number, req: Request, { images, files, maxBytes }: ImageRouteDeps): Promise<Image> {
  const baseUrl = publicOrigin(req);
  const { file, fields } = await readMultipartImage(req, maxBytes, (stream) => files.receiveFile(userId, stream, baseUrl), files.discardFile);
  try {
    const data = await validate(imageBodySchema, { data: { ...parseDataField(fields.data), url: file.url, type: file.type } });
    return await images.create(userId, data, baseUrl);
  } catch (error) {
    await files.discardFile(file);
    throw error;
  }
}

/** The form's `data` field: JSON text of an object, or absent. */
function parseDataField(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let given: unknown;
  try {
    given = JSON.parse(text);
  } catch {
    given = undefined;
  }
  if (!isObject(given)) throw invalidData({ data: ['The data field must be a JSON object.'] });
  return given;
}

const uploadBodySchema = z
  .looseObject({
    fileName: z.string().optional().describe('The file name; its extension gives the type when `fileType` is absent.'),
    fileType: z.string().optional().describe('A MIME type (`image/png`) or an extension (`png`).'),
    filename: z.string().optional().describe('Same as `fileName`.'),
    filetype: z.string().optional().describe('Same as `fileType`.'),
  })
  .meta({ id: 'UploadRequest' });

const uploadSchema = z
  .object({
    success: z.literal(true),
    data: z.object({ returnData: z.object({ signedRequest: z.string(), url: z.string() }) }),
    signedRequest: z.string().describe('The one-time URL to PUT the file to, valid 10 minutes.'),
    url: z.string().describe('The URL the file will have: give it as `data.url` when creating the image.'),
    expires_at: z.string().describe('ISO-8601'),
  })
  .meta({ id: 'Upload' });

const keyParams = z.object({ key: z.string().describe('The upload key (from `url`).') });
const fileParams = z.object({ key: z.string().describe('A stored file (its upload key) or its thumbnail (`<key>-thumbnail`).') });
const signedQuery = z.object({
  expires: z.string().optional().describe('Set by the server in `signedRequest`.'),
  signature: z.string().optional().describe('Set by the server in `signedRequest`.'),
});

/** The two ways a file comes in (a signed one-time PUT; multipart is on POST /api/images) and how it is read back. */
export const uploadRoutes = [
  route({
    method: 'post',
    path: '/api/images/uploads',
    alsoAt: ['/images/signed-url'],
    operationId: 'createUpload',
    summary: 'Get a one-time URL to upload a picture to',
    description:
      'Reserves a random key and answers `signedRequest`, a one-time URL to `PUT` the bytes to within 10 minutes ' +
      '(with the `Content-Type` of the declared type), and `url`, the URL the file will have. Then create the image ' +
      'with `data.url` set to `url` (POST /api/images): it is measured and its `metrics` come back in the 201. With an ' +
      'S3 store, `signedRequest` is a presigned S3 PUT that never passes through this server (the bytes are checked ' +
      'when the image is created). The file type must be png, jpeg, gif, webp, avif, tiff or bmp (422); past the ' +
      "caller's storage quota, 413.",
    auth: 'token',
    body: uploadBodySchema,
    success: { status: 201, description: 'The URL to upload to and the URL of the file.', schema: uploadSchema },
    errors: [[413, "The body is too large, or the caller's storage quota is used up."]],
    handler: ({ caller, body, req }, { files }) => files.createUpload(caller.user.id, body, publicOrigin(req)),
  }),
  route({
    method: 'put',
    path: '/uploads/:key',
    operationId: 'putUpload',
    summary: 'Upload the bytes of a picture to a signed URL',
    description:
      'The `signedRequest` of POST /api/images/uploads on the disk store: no token, the signature is the ' +
      'authorization. The body is the file itself with the `Content-Type` it was declared with (an image type). ' +
      'Refused (403) when expired, already used, tampered with, or sent with another type; 413 past `UPLOAD_MAX_BYTES` ' +
      'or the quota; 422 when the bytes are not a picture of a supported format. Nothing is stored when refused.',
    auth: 'none',
    params: keyParams,
    query: signedQuery,
    accepts: ['image/*'],
    success: { status: 200, description: 'Stored and measured.', schema: z.object({ success: z.literal(true) }) },
    errors: [[403, 'The upload URL is expired, used or invalid.'], [413, 'The file is too large, or the storage quota is used up.']],
    handler: async ({ params, query, req }, { files }) => {
      await files.acceptSignedUpload(params.key, query, req, req.headers['content-type']);
      return { success: true };
    },
  }),
  route({
    method: 'get',
    path: '/uploads/:key',
    operationId: 'getStoredFile',
    summary: 'A stored picture or its thumbnail',
    description:
      'No token: the keys are random and unguessable. On disk: the bytes with the `Content-Type` of their content, ' +
      '`X-Content-Type-Options: nosniff`, `Cache-Control` for a year (immutable), `ETag` (304 when it matches) and ' +
      'byte ranges (206, 416). With an S3 store: a 302 to a presigned GET valid 5 minutes. HEAD answers the headers.',
    auth: 'none',
    params: fileParams,
    success: {
      status: 200,
      description: 'The file.',
      binary: 'image/*',
      others: { 206: 'Part of the file (`Range`).', 302: 'With an S3 store: the presigned URL of the file.', 304: 'Not modified (`If-None-Match`).' },
    },
    errors: [[416, 'The range is not satisfiable.']],
    handler: ({ params, req, res }, { files }) => files.serveFile(req, res, params.key),
  }),
];

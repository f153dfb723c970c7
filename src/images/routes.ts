import { z } from 'zod';
import { streamedType } from '../http/body';
import { pageQuerySchema, publicOrigin } from '../http/pagination';
import { routesOf } from '../http/routes';
import { idParams } from '../http/validation';
import { createFromMultipart, type ImageRouteDeps, MULTIPART_TEXT } from './upload-routes';
import { IMAGE_TYPES, imageBodySchema, imagePatchSchema, imageSchema, MAX_DATA_BYTES, MAX_DATA_DEPTH, MAX_URL_LENGTH } from './schemas';

const route = routesOf<ImageRouteDeps>('Images');

/** What the routes on one image share: someone else's image is as absent as an unknown one. */
const oneImage = {
  auth: 'token',
  params: idParams,
  errors: [[404, "No such image of the caller's (unknown, someone else's, or not a positive integer)."]],
} as const;
const BODY_FORMS =
  'The body is `{ "data": { … } }`, or the data itself at the top level (then `id`, `user_id`, `created_at`, ' +
  '`updated_at` are dropped).';
const DATA_RULES =
  `\`data.url\` is required: an http or https URL of at most ${MAX_URL_LENGTH} characters (trimmed). \`data.type\` is ` +
  `one of ${IMAGE_TYPES.join(', ')}; when absent or null it is inferred from the extension of the URL's last path ` +
  'segment (`…/cat.PNG?s=1` is image/png), and left out when it cannot be. Any other keys are kept as given; the ' +
  `whole data is at most ${MAX_DATA_BYTES} bytes of JSON, ${MAX_DATA_DEPTH} levels deep, without NUL characters or ` +
  'unpaired surrogates.';
const URL_TEXT =
  'A `url` this server handed out for an upload (`/uploads/…`) claims that upload: the image gets its `metrics` at ' +
  'once (one upload, one image; 422 if it is not the caller\'s, already claimed, or was never sent; 413/422 when a ' +
  'file sent straight to the bucket is too large or no picture, and nothing is created). Any other URL is fetched ' +
  'safely (public addresses only, at most 3 redirects, 10 s) and measured in the background: `metrics` is null until ' +
  'then, `{ "error": … }` when the picture could not be fetched or read.';

/** The caller's private images, at `/api/images` and also at `/images` (the Picmetric client's path). */
export const imageRoutes = [
  route({
    method: 'get',
    path: '/api/images',
    alsoAt: ['/images'],
    operationId: 'listImages',
    summary: "List the caller's images",
    description:
      "Only the caller's own images. PostgreSQL writes the list's JSON: inside `data` there is a space after each " +
      'colon and comma (the same JSON as the single image, spaced differently).',
    auth: 'token',
    query: pageQuerySchema,
    success: { status: 200, description: "One page of the caller's images.", schema: z.array(imageSchema), paged: true },
    handler: ({ caller, query }, { images }) => images.list(caller.user.id, query),
  }),
  route({
    method: 'post',
    path: '/api/images',
    alsoAt: ['/images'],
    operationId: 'createImage',
    summary: 'Add an image',
    description: `${BODY_FORMS} ${DATA_RULES} ${URL_TEXT}\n\n${MULTIPART_TEXT}`,
    auth: 'token',
    body: imageBodySchema,
    accepts: ['multipart/form-data'],
    success: { status: 201, description: 'The new image, owned by the caller.', schema: imageSchema },
    errors: [[413, 'The body, the file or a field is too large, or the caller\'s storage quota is used up.']],
    handler: (context, deps) =>
      streamedType(context.req) === 'multipart/form-data'
        ? createFromMultipart(context.caller.user.id, context.req, deps)
        : deps.images.create(context.caller.user.id, context.body, publicOrigin(context.req)),
  }),
  route({
    method: 'get',
    path: '/api/images/:id',
    alsoAt: ['/images/:id'],
    operationId: 'getImage',
    summary: 'An image of the caller',
    description: "Images are private: another user's image is a 404, exactly like an unknown id.",
    ...oneImage,
    success: { status: 200, description: 'The image.', schema: imageSchema },
    handler: ({ caller, params }, { images }) => images.get(caller.user.id, params.id),
  }),
  route({
    method: 'put',
    path: '/api/images/:id',
    alsoAt: ['/images/:id'],
    operationId: 'replaceImage',
    summary: "Replace an image's data",
    description: `Replaces \`data\` whole. ${BODY_FORMS} ${DATA_RULES} A changed \`url\` lets the old file go; ${URL_TEXT} Checks: image (404), then the body (422).`,
    ...oneImage,
    load: ({ caller, params }, { images }) => images.get(caller.user.id, params.id),
    body: imageBodySchema,
    success: { status: 200, description: 'The image after the change.', schema: imageSchema },
    handler: ({ caller, params, body, req }, { images }) => images.replace(caller.user.id, params.id, body, publicOrigin(req)),
  }),
  route({
    method: 'patch',
    path: '/api/images/:id',
    alsoAt: ['/images/:id'],
    operationId: 'patchImage',
    summary: "Merge into an image's data",
    description:
      `Merges the given keys into the stored \`data\`; the result must be valid image data. ${BODY_FORMS} When the ` +
      'patch changes `url` without a `type`, the type is inferred again from the new URL. Concurrent patches of one ' +
      `image do not overwrite each other. A changed \`url\` lets the old file go; ${URL_TEXT} Checks: image (404), then the ` +
      'body (422).',
    ...oneImage,
    load: ({ caller, params }, { images }) => images.get(caller.user.id, params.id),
    body: imagePatchSchema,
    success: { status: 200, description: 'The image after the change.', schema: imageSchema },
    handler: ({ caller, params, body, req }, { images }) => images.patch(caller.user.id, params.id, body, publicOrigin(req)),
  }),
  route({
    method: 'delete',
    path: '/api/images/:id',
    alsoAt: ['/images/:id'],
    operationId: 'deleteImage',
    summary: 'Delete an image',
    description: "Another user's image is a 404, exactly like an unknown id. Its stored file and thumbnail are deleted too.",
    ...oneImage,
    success: { status: 204, description: 'Deleted.' },
    handler: ({ caller, params }, { images }) => images.remove(caller.user.id, params.id),
  }),
];

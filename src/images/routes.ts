import { z } from 'zod';
import { pageQuerySchema } from '../http/pagination';
import { routesOf } from '../http/routes';
import { idParams } from '../http/validation';
import { IMAGE_TYPES, imageBodySchema, imagePatchSchema, imageSchema, MAX_DATA_BYTES, MAX_DATA_DEPTH, MAX_URL_LENGTH } from './schemas';
import type { ImageService } from './service';

const route = routesOf<{ images: ImageService }>('Images');

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
    description: `${BODY_FORMS} ${DATA_RULES}`,
    auth: 'token',
    body: imageBodySchema,
    success: { status: 201, description: 'The new image, owned by the caller.', schema: imageSchema },
    handler: ({ caller, body }, { images }) => images.create(caller.user.id, body),
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
    description: `Replaces \`data\` whole. ${BODY_FORMS} ${DATA_RULES} Checks: image (404), then the body (422).`,
    ...oneImage,
    load: ({ caller, params }, { images }) => images.get(caller.user.id, params.id),
    body: imageBodySchema,
    success: { status: 200, description: 'The image after the change.', schema: imageSchema },
    handler: ({ caller, params, body }, { images }) => images.replace(caller.user.id, params.id, body),
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
      'image do not overwrite each other. Checks: image (404), then the body (422).',
    ...oneImage,
    load: ({ caller, params }, { images }) => images.get(caller.user.id, params.id),
    body: imagePatchSchema,
    success: { status: 200, description: 'The image after the change.', schema: imageSchema },
    handler: ({ caller, params, body }, { images }) => images.patch(caller.user.id, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/api/images/:id',
    alsoAt: ['/images/:id'],
    operationId: 'deleteImage',
    summary: 'Delete an image',
    description: "Another user's image is a 404, exactly like an unknown id.",
    ...oneImage,
    success: { status: 204, description: 'Deleted.' },
    handler: ({ caller, params }, { images }) => images.remove(caller.user.id, params.id),
  }),
];

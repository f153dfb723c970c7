import type { RequestHandler } from 'express';
import { z } from 'zod';
import packageJson from '../../package.json';
import {
  changePasswordSchema,
  deleteAccountSchema,
  loginResponseSchema,
  loginSchema,
  passwordChangedResponseSchema,
  registerResponseSchema,
  registerSchema,
} from '../auth/schemas';
import { pageQuerySchema } from '../http/pagination';
import { IMAGE_TYPES, imageBodySchema, imageDataSchema, imageSchema, MAX_DATA_BYTES } from '../images/schemas';
import {
  campaignFiltersSchema,
  campaignInputSchema,
  campaignPatchSchema,
  campaignSchema,
} from '../kickstarter/schemas';
import {
  apiStatusSchema,
  errorSchema,
  healthSchema,
  invalidCredentialsErrorSchema,
  invalidTokenErrorSchema,
  openApiDocumentSchema,
  readySchema,
  serverErrorSchema,
  validationErrorSchema,
} from './schemas';
import { profileSchema, userSchema, userWithCampaignsSchema } from '../users/schemas';

/**
 * The OpenAPI 3.1 document of the API, built from the zod schemas that validate requests (as
 * their input, what a client sends) and that describe responses (as their output). Served at
 * /api/openapi.json and shown by Swagger UI at /api/docs. The test suite holds it to the app: it
 * fails when a route is missing on either side, and validates every response the suite receives
 * against the schema documented for its method, path and status.
 */

export type JsonSchema = Record<string, unknown>;
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export const HTTP_METHODS: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

export interface Reference {
  $ref: string;
}

export interface HeaderObject {
  description: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description: string;
  schema: JsonSchema;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject | Reference>;
  content?: Record<string, { schema: JsonSchema }>;
}

export interface OperationObject {
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<ParameterObject | Reference>;
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, ResponseObject>;
}

export type PathItemObject = Partial<Record<HttpMethod, OperationObject>>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  jsonSchemaDialect: string;
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string; description: string }>;
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, PathItemObject>;
  components: {
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, ParameterObject>;
    headers: Record<string, HeaderObject>;
    securitySchemes: Record<string, JsonSchema>;
  };
}

// ---------------------------------------------------------------------------------------------
// Schemas

const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (name: string): JsonSchema => ({ type: 'array', items: schemaRef(name) });

/** What responses carry, converted as zod's output (objects closed with additionalProperties: false). */
const RESPONSE_SCHEMAS: Record<string, z.ZodType> = {
  User: userSchema,
  UserWithCampaigns: userWithCampaignsSchema,
  Image: imageSchema,
  Campaign: campaignSchema,
  RegisterResponse: registerResponseSchema,
  LoginResponse: loginResponseSchema,
  PasswordChangedResponse: passwordChangedResponseSchema,
  Error: errorSchema,
  InvalidTokenError: invalidTokenErrorSchema,
  InvalidCredentialsError: invalidCredentialsErrorSchema,
  ServerError: serverErrorSchema,
  ValidationError: validationErrorSchema,
  Health: healthSchema,
  Ready: readySchema,
  ApiStatus: apiStatusSchema,
  OpenApiDocument: openApiDocumentSchema,
};

/** A PATCH of an image: any subset of its data, merged into what is stored (so `url` is optional here). */
const imageDataPatchSchema = z
  .looseObject({
    url: imageDataSchema.in.shape.url.optional(),
    type: imageDataSchema.in.shape.type,
  })
  .describe(
    'Merged key by key into the stored data; the result must still be valid image data. A new url without a ' +
      'type drops the stored type, to be inferred again from the new URL.',
  );

/** What requests carry: the very schemas the routes validate with, converted as zod's input. */
const REQUEST_SCHEMAS: Record<string, z.ZodType> = {
  RegisterRequest: registerSchema(),
  LoginRequest: loginSchema,
  ChangePasswordRequest: changePasswordSchema,
  DeleteAccountRequest: deleteAccountSchema,
  ProfileUpdateRequest: profileSchema(),
  ImageData: imageDataSchema,
  ImageBody: imageBodySchema,
  ImageDataPatch: imageDataPatchSchema,
  ImagePatchBody: z.union([z.object({ data: imageDataPatchSchema }), imageDataPatchSchema]),
  CampaignInput: campaignInputSchema,
  CampaignPatch: campaignPatchSchema,
};

/** zod's `z.int()`/`.int()` bounds are JavaScript's safe integers: true, but noise in a document. */
function dropSafeIntegerBounds({ jsonSchema }: { jsonSchema: JsonSchema }): void {
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
}

/** JSON Schema 2020-12 of each schema, cross-referenced as `#/components/schemas/<name>`. */
function componentSchemas(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const converted = z.toJSONSchema(registry, {
    io,
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
    override: dropSafeIntegerBounds,
  }).schemas;
  const result: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(converted)) {
    // The document sets the dialect once (jsonSchemaDialect); a fragment is no valid $id.
    const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
    result[id] = rest;
  }
  return result;
}

/** One schema, inline (a query or path parameter). */
function inlineSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    override: dropSafeIntegerBounds,
  }) as JsonSchema;
  return rest;
}

// ---------------------------------------------------------------------------------------------
// Parameters and headers

const MAX_ID = 2_147_483_647;

const PARAMETER_DESCRIPTIONS: Record<string, string> = {
  limit: 'Items per page, 1–100 (default 50).',
  page: 'Page number, 1-based (offset paging). Not together with `after`.',
  after: 'Keyset paging: the items whose id is greater than this (`0` is the start). Not together with `page`. ' +
    'The default when neither is given.',
  categories: 'Only campaigns of this category: exact match, case-insensitive. Empty means no filter.',
  country: 'Only campaigns of this country: exact match, case-insensitive. Empty means no filter.',
  user_id: "Only this user's campaigns: a positive integer (anything else is a 422).",
};

const PARAMETER_COMPONENT: Record<string, string> = {
  limit: 'Limit',
  page: 'Page',
  after: 'After',
  categories: 'Categories',
  country: 'Country',
  user_id: 'UserId',
};

function queryParameters(shape: Record<string, z.ZodType>): Record<string, ParameterObject> {
  const parameters: Record<string, ParameterObject> = {};
  for (const [name, schema] of Object.entries(shape)) {
    parameters[PARAMETER_COMPONENT[name] ?? name] = {
      name,
      in: 'query',
      required: !schema.safeParse(undefined).success,
      description: PARAMETER_DESCRIPTIONS[name] ?? '',
      schema: inlineSchema(schema),
    };
  }
  return parameters;
}

function buildParameters(): Record<string, ParameterObject> {
  return {
    Id: {
      name: 'id',
      in: 'path',
      required: true,
      description: 'A positive integer. Any other value answers 404, exactly as an unknown id does.',
      schema: inlineSchema(z.int().min(1).max(MAX_ID)),
    },
    ...queryParameters(pageQuerySchema.shape),
    ...queryParameters(campaignFiltersSchema.shape),
  };
}

const parameterRef = (name: string): Reference => ({ $ref: `#/components/parameters/${name}` });
const PAGE_PARAMETERS = ['Limit', 'Page', 'After'].map(parameterRef);
const CAMPAIGN_FILTER_PARAMETERS = ['Categories', 'Country', 'UserId'].map(parameterRef);

const HEADERS: Record<string, HeaderObject> = {
  Link: {
    description:
      'Present when more items exist: `<URL of the next page>; rel="next"` (this request\'s URL with the next ' +
      '`page`, or the next `after` for keyset paging; the other query parameters are kept as sent).',
    schema: { type: 'string', pattern: '^<[^>]+>; rel="next"$' },
  },
  RetryAfter: {
    description: 'Seconds to wait before retrying.',
    required: true,
    schema: { type: 'string', pattern: '^[1-9][0-9]*$' },
  },
  WWWAuthenticate: {
    description: 'Always `Bearer`.',
    required: true,
    schema: { type: 'string', const: 'Bearer' },
  },
};

const headerRef = (name: string): Reference => ({ $ref: `#/components/headers/${name}` });

// ---------------------------------------------------------------------------------------------
// Responses

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });

const ERROR_RESPONSES: Record<number, ResponseObject> = {
  400: {
    description:
      'The body is not valid JSON, or not a JSON object (an array, a string, a number, null), or does not match its ' +
      'Content-Length.',
    content: json(schemaRef('Error')),
  },
  401: {
    description:
      'No token, or a malformed, expired or revoked one (logged out, password changed since, user deleted).',
    headers: { 'WWW-Authenticate': headerRef('WWWAuthenticate') },
    content: json(schemaRef('InvalidTokenError')),
  },
  403: {
    description: "Authenticated, but acting on another user's account or campaign.",
    content: json(schemaRef('Error')),
  },
  404: {
    description: 'Unknown id, or a path id that is not a positive integer.',
    content: json(schemaRef('Error')),
  },
  413: {
    description: 'The body is larger than BODY_LIMIT (default 100 kB).',
    content: json(schemaRef('Error')),
  },
  415: {
    description:
      'A non-empty body that is not JSON (`application/json` or `application/*+json`), checked before its size; ' +
      'or an unsupported charset or Content-Encoding.',
    content: json(schemaRef('Error')),
  },
  422: {
    description: 'Validation failed: every invalid field at once, in `errors`.',
    content: json(schemaRef('ValidationError')),
  },
  429: {
    description:
      'Rate limited: more than API_RATE_LIMIT requests (default 600) from this client IP in a minute.',
    headers: { 'Retry-After': headerRef('RetryAfter') },
    content: json(schemaRef('Error')),
  },
  500: {
    description: 'A bug. The message is generic; the detail is only in the server log.',
    content: json(schemaRef('ServerError')),
  },
  503: {
    description:
      'The database is unreachable, or the server is still starting (opening its database). The process stays ' +
      'up and recovers by itself.',
    headers: { 'Retry-After': headerRef('RetryAfter') },
    content: json(schemaRef('Error')),
  },
};

/** Every request but /health and /ready passes the rate limiter, may meet a bug, and needs the database to be open. */
const ALWAYS = [429, 500, 503] as const;
/** The body checks, which run before anything else on every route that takes a body. */
const BODY = [400, 413, 415] as const;

interface Success {
  status: 200 | 201 | 204;
  description: string;
  schema?: JsonSchema;
  /** A paginated list: may carry `Link: <…>; rel="next"`. */
  paged?: boolean;
  html?: boolean;
}

type ErrorSpec = number | [status: number, description: string] | [status: number, response: ResponseObject];

function responses(success: Success, errors: readonly ErrorSpec[]): Record<string, ResponseObject> {
  const result: Record<string, ResponseObject> = {};
  const ok: ResponseObject = { description: success.description };
  if (success.paged) ok.headers = { Link: headerRef('Link') };
  if (success.html) ok.content = { 'text/html': { schema: { type: 'string' } } };
  else if (success.schema) ok.content = json(success.schema);
  result[String(success.status)] = ok;

  const sorted = [...errors].sort((a, b) => (typeof a === 'number' ? a : a[0]) - (typeof b === 'number' ? b : b[0]));
  for (const spec of sorted) {
    const [status, custom] = typeof spec === 'number' ? [spec, undefined] : spec;
    const base = ERROR_RESPONSES[status];
    if (!base) throw new Error(`No error response for status ${status}`);
    result[String(status)] =
      custom === undefined ? base : typeof custom === 'string' ? { ...base, description: custom } : custom;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Operations

type Tag = 'Users' | 'Images' | 'Kickstarter' | 'Operations';

interface OperationSpec {
  method: HttpMethod;
  /** The first path is the main one; the others are aliases of the same operation. */
  paths: [string, ...string[]];
  /** operationId of each path, in order. */
  ids: [string, ...string[]];
  tag: Tag;
  summary: string;
  description: string;
  auth: boolean;
  query?: Reference[];
  body?: string;
  success: Success;
  errors: readonly ErrorSpec[];
}

const CHECK_ORDER_WITH_BODY = 'Checks run in this order: rate limit (429), body format (415, 413, 400), token (401)';
const PUBLIC_NOTE =
  'Needs no token: an `Authorization` header is ignored, even a malformed or expired one (the Kickstarter client ' +
  'sends `Authorization: [object Object]` when it holds no token).';
const PAGING_NOTE =
  'Paginated: a JSON array in ascending id; `?limit=` with either `?page=` or `?after=` (both together, or any other ' +
  'value, is a 422). When more items exist, `Link: <…>; rel="next"` points at the next page.';
const LOGIN_THROTTLE_429: [number, string] = [
  429,
  'Rate limited: too many requests from this client IP (API_RATE_LIMIT per minute), or too many failed password ' +
    'checks for this (client IP, account) pair (LOGIN_RATE_LIMIT per RATE_LIMIT_WINDOW_S): then even the right ' +
    'password gets 429 until the window ends.',
];
const LOGIN_THROTTLE_503: [number, string] = [
  503,
  'The database is unreachable, the server is still starting, or the store of the failed-login counters (Redis) ' +
    'is unreachable: password checks are refused rather than left unmetered.',
];

const OPERATIONS: OperationSpec[] = [
  // Users
  {
    method: 'post',
    paths: ['/api/auth/register', '/api/register'],
    ids: ['register', 'registerAlias'],
    tag: 'Users',
    summary: 'Register a user',
    description:
      'Needs `password` and at least one of `username` or `email`; `password_confirmation`, when sent, must equal ' +
      '`password` (else a 422 on `password`). A username is unique ignoring case, an email is stored lower-cased ' +
      'and unique: a duplicate is a 422 "already taken", also when two registrations race (one wins). With ' +
      'EMAIL_CHECK_DNS=true the email domain must also have an MX or A record. Unknown fields, and `id`, ' +
      '`user_id`, `created_at`, `updated_at`, are ignored. ' +
      PUBLIC_NOTE,
    auth: false,
    body: 'RegisterRequest',
    success: { status: 201, description: 'Registered: the new user, with their email.', schema: schemaRef('RegisterResponse') },
    errors: [...BODY, 422, ...ALWAYS],
  },
  {
    method: 'post',
    paths: ['/api/auth/login', '/api/login'],
    ids: ['login', 'loginAlias'],
    tag: 'Users',
    summary: 'Log in',
    description:
      'Takes `password` and one of `username` (matched ignoring case) or `email` (matched lower-cased); when both ' +
      'are sent, `username`. A missing field is a 422 (which does not count as a failed login). An unknown account ' +
      'and a wrong password get the same 401 in about the same time. Failed logins are counted per (client IP, ' +
      'identifier lower-cased); past LOGIN_RATE_LIMIT (default 10) in RATE_LIMIT_WINDOW_S (default 900 s) the ' +
      'answer is 429, and a successful login clears the count. The token goes in `Authorization: Bearer <token>` ' +
      '(or raw, without "Bearer "). ' +
      PUBLIC_NOTE,
    auth: false,
    body: 'LoginRequest',
    success: { status: 200, description: 'Logged in: a token and the user, with their email.', schema: schemaRef('LoginResponse') },
    errors: [
      ...BODY,
      [
        401,
        {
          description: 'Wrong credentials: unknown account or wrong password, indistinguishably.',
          headers: { 'WWW-Authenticate': headerRef('WWWAuthenticate') },
          content: json(schemaRef('InvalidCredentialsError')),
        },
      ],
      422,
      LOGIN_THROTTLE_429,
      500,
      LOGIN_THROTTLE_503,
    ],
  },
  {
    method: 'post',
    paths: ['/api/auth/logout'],
    ids: ['logout'],
    tag: 'Users',
    summary: 'Log out',
    description:
      'Revokes the token of this request (in the database, so on every instance); other tokens of the user keep ' +
      'working. Needs no body. ' +
      `${CHECK_ORDER_WITH_BODY}.`,
    auth: true,
    success: { status: 204, description: 'Logged out: this token no longer works.' },
    errors: [...BODY, 401, ...ALWAYS],
  },
  {
    method: 'get',
    paths: ['/api/auth', '/api/users'],
    ids: ['listUsers', 'listUsersAlias'],
    tag: 'Users',
    summary: 'List users',
    description:
      'Every user; `email` is null but in the caller\'s own entry. `/api/auth/` (trailing slash) is the same ' +
      `route. ${PAGING_NOTE}`,
    auth: true,
    query: PAGE_PARAMETERS,
    success: { status: 200, description: 'One page of users.', schema: arrayOf('User'), paged: true },
    errors: [401, 422, ...ALWAYS],
  },
  {
    method: 'get',
    paths: ['/api/users/me'],
    ids: ['getMe'],
    tag: 'Users',
    summary: 'The caller',
    description: 'The user the token belongs to, with their email.',
    auth: true,
    success: { status: 200, description: 'The caller.', schema: schemaRef('User') },
    errors: [401, ...ALWAYS],
  },
  {
    method: 'patch',
    paths: ['/api/users/me'],
    ids: ['updateMe'],
    tag: 'Users',
    summary: "Change the caller's name or email",
    description:
      'Changes `name` and/or `email` (validated as at registration; a taken email is a 422). `email: null` is a ' +
      '422 unless the user has a username. `username` may be sent only unchanged (ignoring case): a different one ' +
      `is a 403 "You cannot change the username.". ${CHECK_ORDER_WITH_BODY}, field rules (422), username (403), ` +
      'email removal and uniqueness (422). An empty body changes nothing.',
    auth: true,
    body: 'ProfileUpdateRequest',
    success: { status: 200, description: 'The caller after the change, with their email.', schema: schemaRef('User') },
    errors: [...BODY, 401, [403, 'A different `username` was sent: usernames cannot change.'], 422, ...ALWAYS],
  },
  {
    method: 'get',
    paths: ['/api/auth/{id}', '/api/users/{id}'],
    ids: ['getUser', 'getUserAlias'],
    tag: 'Users',
    summary: 'A user and their campaigns',
    description:
      'The user (`email` null unless it is the caller) and `kickstarter`: their first 100 campaigns in id order; ' +
      'the rest are paged at `/api/kickstarter/user/{id}`.',
    auth: true,
    success: { status: 200, description: 'The user.', schema: schemaRef('UserWithCampaigns') },
    errors: [401, [404, 'No such user, or the id is not a positive integer.'], ...ALWAYS],
  },
  {
    method: 'put',
    paths: ['/api/auth/update/{id}'],
    ids: ['changePassword'],
    tag: 'Users',
    summary: "Change the caller's password",
    description:
      'Needs `password` (the new one) and `current_password` (a wrong or missing one is a 422 on ' +
      '`current_password`, and counts as a failed login). `username`, when sent, must be the account\'s own ' +
      '(ignoring case), else 403. Every token issued before the change stops working, even within the same second; ' +
      `the response carries a fresh one. ${CHECK_ORDER_WITH_BODY}, path id not a positive integer (404), id not the ` +
      "caller's (403, whether or not such a user exists), field rules (422), username (403), failed-login limit " +
      '(429), current password (422).',
    auth: true,
    body: 'ChangePasswordRequest',
    success: {
      status: 200,
      description: 'Changed: the user and a fresh token.',
      schema: schemaRef('PasswordChangedResponse'),
    },
    errors: [
      ...BODY,
      401,
      [403, "The id is not the caller's, or a different `username` was sent."],
      [404, 'The id is not a positive integer.'],
      422,
      LOGIN_THROTTLE_429,
      500,
      LOGIN_THROTTLE_503,
    ],
  },
  {
    method: 'delete',
    paths: ['/api/auth/delete/{id}'],
    ids: ['deleteAccount'],
    tag: 'Users',
    summary: "Delete the caller's account",
    description:
      'Needs the current `password` in the body (a wrong or missing one is a 422 on `password`, and counts as a ' +
      "failed login). The user's images and campaigns are deleted with them, and their tokens stop working. " +
      `${CHECK_ORDER_WITH_BODY}, path id not a positive integer (404), id not the caller's (403, whether or not such ` +
      'a user exists), field rules (422), failed-login limit (429), password (422).',
    auth: true,
    body: 'DeleteAccountRequest',
    success: { status: 204, description: 'Deleted.' },
    errors: [
      ...BODY,
      401,
      [403, "The id is not the caller's."],
      [404, 'The id is not a positive integer.'],
      422,
      LOGIN_THROTTLE_429,
      500,
      LOGIN_THROTTLE_503,
    ],
  },

  // Images
  {
    method: 'get',
    paths: ['/api/images'],
    ids: ['listImages'],
    tag: 'Images',
    summary: "List the caller's images",
    description: `Only the caller's own images (also served at \`/images\`). ${PAGING_NOTE}`,
    auth: true,
    query: PAGE_PARAMETERS,
    success: { status: 200, description: "One page of the caller's images.", schema: arrayOf('Image'), paged: true },
    errors: [401, 422, ...ALWAYS],
  },
  {
    method: 'post',
    paths: ['/api/images'],
    ids: ['createImage'],
    tag: 'Images',
    summary: 'Add an image',
    description:
      'The body is `{ "data": { … } }`, or the data itself at the top level (then `id`, `user_id`, `created_at`, ' +
      '`updated_at` are dropped). `data.url` is required: an http or https URL of at most 2048 characters. ' +
      `\`data.type\` is one of ${IMAGE_TYPES.join(', ')}; when absent it is inferred from the extension of the ` +
      "URL's last path segment (`…/cat.PNG?s=1` is image/png), and left out when it cannot be. Any other keys are " +
      `kept as given; the whole data is at most ${MAX_DATA_BYTES} bytes of JSON. Also served at \`/images\`. ` +
      `${CHECK_ORDER_WITH_BODY}, data (422).`,
    auth: true,
    body: 'ImageBody',
    success: { status: 201, description: 'The new image, owned by the caller.', schema: schemaRef('Image') },
    errors: [...BODY, 401, 422, ...ALWAYS],
  },
  {
    method: 'get',
    paths: ['/api/images/{id}'],
    ids: ['getImage'],
    tag: 'Images',
    summary: 'An image of the caller',
    description: "Images are private: another user's image is a 404, exactly like an unknown id. Also served at `/images/{id}`.",
    auth: true,
    success: { status: 200, description: 'The image.', schema: schemaRef('Image') },
    errors: [401, [404, "No such image of the caller's (unknown, someone else's, or not a positive integer)."], ...ALWAYS],
  },
  {
    method: 'put',
    paths: ['/api/images/{id}'],
    ids: ['replaceImage'],
    tag: 'Images',
    summary: "Replace an image's data",
    description:
      'Replaces `data` whole; the body is read as for POST (type inferred from the URL when absent). Another ' +
      `user's image is a 404, checked before the body: ${CHECK_ORDER_WITH_BODY}, image (404), data (422). Also ` +
      'served at `/images/{id}`.',
    auth: true,
    body: 'ImageBody',
    success: { status: 200, description: 'The image after the change.', schema: schemaRef('Image') },
    errors: [...BODY, 401, [404, "No such image of the caller's (unknown, someone else's, or not a positive integer)."], 422, ...ALWAYS],
  },
  {
    method: 'patch',
    paths: ['/api/images/{id}'],
    ids: ['patchImage'],
    tag: 'Images',
    summary: "Merge into an image's data",
    description:
      'Merges the given keys into the stored `data` (body read as for POST: `{ "data": { … } }` or the keys at ' +
      'the top level); the result must be valid image data. When the patch changes `url` without a `type`, the ' +
      'type is inferred again from the new URL. Concurrent patches of one image do not overwrite each other. ' +
      `Another user's image is a 404, checked before the body: ${CHECK_ORDER_WITH_BODY}, image (404), data (422). ` +
      'Also served at `/images/{id}`.',
    auth: true,
    body: 'ImagePatchBody',
    success: { status: 200, description: 'The image after the change.', schema: schemaRef('Image') },
    errors: [...BODY, 401, [404, "No such image of the caller's (unknown, someone else's, or not a positive integer)."], 422, ...ALWAYS],
  },
  {
    method: 'delete',
    paths: ['/api/images/{id}'],
    ids: ['deleteImage'],
    tag: 'Images',
    summary: 'Delete an image',
    description: "Another user's image is a 404, exactly like an unknown id. Also served at `/images/{id}`.",
    auth: true,
    success: { status: 204, description: 'Deleted.' },
    errors: [...BODY, 401, [404, "No such image of the caller's (unknown, someone else's, or not a positive integer)."], ...ALWAYS],
  },

  // Kickstarter
  {
    method: 'get',
    paths: ['/api/kickstarter', '/api/kickstarter/all'],
    ids: ['listCampaigns', 'listAllCampaigns'],
    tag: 'Kickstarter',
    summary: 'List campaigns',
    description:
      'Every campaign, optionally filtered by `categories` and `country` (exact, case-insensitive) and `user_id`. ' +
      `${PAGING_NOTE} ${PUBLIC_NOTE}`,
    auth: false,
    query: [...CAMPAIGN_FILTER_PARAMETERS, ...PAGE_PARAMETERS],
    success: { status: 200, description: 'One page of campaigns.', schema: arrayOf('Campaign'), paged: true },
    errors: [422, ...ALWAYS],
  },
  {
    method: 'post',
    paths: ['/api/kickstarter'],
    ids: ['createCampaign'],
    tag: 'Kickstarter',
    summary: 'Create a campaign',
    description:
      'The campaign is owned by the caller; `id`, `user_id` and the timestamps in the body are ignored. ' +
      '`monetaryGoal` and `duration` may be JSON numbers or strings of digits. ' +
      `${CHECK_ORDER_WITH_BODY}, fields (422).`,
    auth: true,
    body: 'CampaignInput',
    success: { status: 201, description: 'The new campaign.', schema: schemaRef('Campaign') },
    errors: [...BODY, 401, 422, ...ALWAYS],
  },
  {
    method: 'get',
    paths: ['/api/kickstarter/user/{id}'],
    ids: ['listUserCampaigns'],
    tag: 'Kickstarter',
    summary: "List a user's campaigns",
    description: `The campaigns of user \`id\`. ${PAGING_NOTE} ${PUBLIC_NOTE}`,
    auth: false,
    query: PAGE_PARAMETERS,
    success: { status: 200, description: "One page of the user's campaigns.", schema: arrayOf('Campaign'), paged: true },
    errors: [[404, 'No such user, or the id is not a positive integer.'], 422, ...ALWAYS],
  },
  {
    method: 'post',
    paths: ['/api/kickstarter/user/{id}'],
    ids: ['createUserCampaign'],
    tag: 'Kickstarter',
    summary: 'Create a campaign (Kickstarter client path)',
    description:
      'As `POST /api/kickstarter`, at the path the Kickstarter client uses: `id` must be the caller\'s own id. A ' +
      `\`user_id\` in the body is ignored. ${CHECK_ORDER_WITH_BODY}, path id not a positive integer (404), id not ` +
      "the caller's (403), fields (422).",
    auth: true,
    body: 'CampaignInput',
    success: { status: 201, description: 'The new campaign, owned by the caller.', schema: schemaRef('Campaign') },
    errors: [...BODY, 401, [403, "The id is not the caller's."], [404, 'The id is not a positive integer.'], 422, ...ALWAYS],
  },
  {
    method: 'get',
    paths: ['/api/kickstarter/{id}'],
    ids: ['getCampaign'],
    tag: 'Kickstarter',
    summary: 'A campaign',
    description: PUBLIC_NOTE,
    auth: false,
    success: { status: 200, description: 'The campaign.', schema: schemaRef('Campaign') },
    errors: [[404, 'No such campaign, or the id is not a positive integer.'], ...ALWAYS],
  },
  {
    method: 'put',
    paths: ['/api/kickstarter/{id}'],
    ids: ['replaceCampaign'],
    tag: 'Kickstarter',
    summary: 'Replace a campaign',
    description:
      'Needs every required field; an omitted `description` is cleared. Only the owner may change a campaign. ' +
      `${CHECK_ORDER_WITH_BODY}, campaign (404), owner (403), fields (422).`,
    auth: true,
    body: 'CampaignInput',
    success: { status: 200, description: 'The campaign after the change.', schema: schemaRef('Campaign') },
    errors: [...BODY, 401, [403, "Someone else's campaign."], [404, 'No such campaign, or the id is not a positive integer.'], 422, ...ALWAYS],
  },
  {
    method: 'patch',
    paths: ['/api/kickstarter/{id}'],
    ids: ['patchCampaign'],
    tag: 'Kickstarter',
    summary: 'Change some fields of a campaign',
    description:
      'Any subset of the fields; an empty body changes nothing and answers the campaign. Only the owner may change ' +
      `a campaign. ${CHECK_ORDER_WITH_BODY}, campaign (404), owner (403), fields (422).`,
    auth: true,
    body: 'CampaignPatch',
    success: { status: 200, description: 'The campaign after the change.', schema: schemaRef('Campaign') },
    errors: [...BODY, 401, [403, "Someone else's campaign."], [404, 'No such campaign, or the id is not a positive integer.'], 422, ...ALWAYS],
  },
  {
    method: 'delete',
    paths: ['/api/kickstarter/{id}'],
    ids: ['deleteCampaign'],
    tag: 'Kickstarter',
    summary: 'Delete a campaign',
    description: `Only the owner may delete a campaign. ${CHECK_ORDER_WITH_BODY}, campaign (404), owner (403).`,
    auth: true,
    success: { status: 204, description: 'Deleted.' },
    errors: [...BODY, 401, [403, "Someone else's campaign."], [404, 'No such campaign, or the id is not a positive integer.'], ...ALWAYS],
  },

  // Operations
  {
    method: 'get',
    paths: ['/health'],
    ids: ['health'],
    tag: 'Operations',
    summary: 'Liveness',
    description: 'The process is up. Touches no database, is not rate limited, and answers while the server is still starting.',
    auth: false,
    success: { status: 200, description: 'Up.', schema: schemaRef('Health') },
    errors: [],
  },
  {
    method: 'get',
    paths: ['/ready'],
    ids: ['ready'],
    tag: 'Operations',
    summary: 'Readiness',
    description: 'The database answers (within 2 s). Not rate limited.',
    auth: false,
    success: { status: 200, description: 'Ready, and which database it uses.', schema: schemaRef('Ready') },
    errors: [500, 503],
  },
  {
    method: 'get',
    paths: ['/api'],
    ids: ['apiStatus'],
    tag: 'Operations',
    summary: 'API status',
    description: 'Says the API is running.',
    auth: false,
    success: { status: 200, description: 'Running.', schema: schemaRef('ApiStatus') },
    errors: ALWAYS,
  },
  {
    method: 'get',
    paths: ['/api/openapi.json'],
    ids: ['openApiDocument'],
    tag: 'Operations',
    summary: 'This document',
    description: 'The OpenAPI 3.1 document of every route, for Swagger UI, Postman (Import → Link) and code generators.',
    auth: false,
    success: { status: 200, description: 'The OpenAPI document.', schema: schemaRef('OpenApiDocument') },
    errors: ALWAYS,
  },
  {
    method: 'get',
    paths: ['/api/docs'],
    ids: ['swaggerUi'],
    tag: 'Operations',
    summary: 'Swagger UI',
    description:
      'An HTML page (the only response that is not JSON) showing this document, with "Try it out". Its scripts and ' +
      'styles are served from this server under `/api/docs/`; no CDN.',
    auth: false,
    success: { status: 200, description: 'The Swagger UI page.', html: true },
    errors: ALWAYS,
  },
];

function buildPaths(): Record<string, PathItemObject> {
  const paths: Record<string, PathItemObject> = {};
  for (const spec of OPERATIONS) {
    spec.paths.forEach((path, index) => {
      const operationId = spec.ids[index];
      if (!operationId) throw new Error(`No operationId for ${spec.method.toUpperCase()} ${path}`);
      const aliases = spec.paths.filter((other) => other !== path);
      const parameters = [...(path.includes('{id}') ? [parameterRef('Id')] : []), ...(spec.query ?? [])];
      const operation: OperationObject = {
        operationId,
        tags: [spec.tag],
        summary: spec.summary,
        description: aliases.length > 0 ? `${spec.description}\n\nAlso at ${aliases.map((a) => `\`${a}\``).join(', ')}.` : spec.description,
        ...(spec.auth ? { security: [{ bearerAuth: [] }] } : {}),
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(spec.body
          ? {
              requestBody: {
                // A PATCH may change nothing; everything else that takes a body needs one.
                required: spec.method !== 'patch',
                content: { 'application/json': { schema: schemaRef(spec.body) } },
              },
            }
          : {}),
        responses: responses(spec.success, spec.errors),
      };
      const item = (paths[path] ??= {});
      if (item[spec.method]) throw new Error(`Two operations for ${spec.method.toUpperCase()} ${path}`);
      item[spec.method] = operation;
    });
  }
  return paths;
}

const DESCRIPTION = `One REST API for the Picmetric, Kickstarter and Laravel-style auth clients.

**Format.** JSON in and out: request bodies are \`application/json\` or \`application/*+json\`; every response is JSON, errors included, except the Swagger UI page at \`/api/docs\`. Any request that carries a body is checked before routing, whatever its method: a body that is not JSON is a 415 (before its size is looked at), one over BODY_LIMIT a 413, malformed JSON or a body that is not an object a 400. Unknown fields are ignored, and so are \`id\`, \`user_id\`, \`created_at\`, \`updated_at\`: clients never set them.

**Errors.** \`{ "success": false, "message": "…" }\`; a 422 adds \`errors\`: field name → list of messages, every invalid field at once. Any path or method not listed here answers 404 with that envelope.

**Authentication.** A JWT from the login response, as \`Authorization: Bearer <token>\` or the raw token. Every 401 carries \`WWW-Authenticate: Bearer\`. Where no token is needed, any \`Authorization\` header is ignored.

**Ids** are positive integers; a path id that is not one is a 404, as an unknown id is. **Timestamps** are ISO-8601 strings.

**Lists** are JSON arrays in ascending id, paged by \`?limit=\` (1–100, default 50) and either \`?page=\` or \`?after=<id>\`; a \`Link: <…>; rel="next"\` header points at the next page when there is one. The lists of images and campaigns are written as JSON by PostgreSQL: inside image \`data\` there is a space after each colon and comma (the same JSON, spaced differently).

**Rate limits.** Every route but \`/health\` and \`/ready\` counts toward API_RATE_LIMIT requests per client IP per minute (default 600; 429 with \`Retry-After\` past it; the \`RateLimit\` and \`RateLimit-Policy\` headers tell the state). Failed password checks (login, password change, account deletion) are also counted per client IP and account (LOGIN_RATE_LIMIT per RATE_LIMIT_WINDOW_S).

**Headers.** Every response carries helmet's security headers and an \`X-Request-Id\` (the client's own when it sends a valid one). CORS: origins from CORS_ORIGIN (default \`*\`); a preflight \`OPTIONS\` on any path answers 204 with no token; \`Link\`, \`Retry-After\` and \`WWW-Authenticate\` are exposed.`;

/** The whole document. Pure: the same for every configuration (settings are named, not valued). */
export function buildOpenApiDocument(): OpenApiDocument {
  const responseComponents = componentSchemas(RESPONSE_SCHEMAS, 'output');
  const requestComponents = componentSchemas(REQUEST_SCHEMAS, 'input');
  for (const name of Object.keys(requestComponents)) {
    if (name in responseComponents) throw new Error(`Schema ${name} is both a request and a response schema`);
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: { title: 'Unified API', version: packageJson.version, description: DESCRIPTION },
    servers: [{ url: '/', description: 'This server' }],
    tags: [
      { name: 'Users', description: 'Registration, login, tokens and accounts.' },
      { name: 'Images', description: "The caller's private images; also mounted at `/images`." },
      { name: 'Kickstarter', description: 'Campaigns: public to read, changed by their owner only.' },
      { name: 'Operations', description: 'Health, readiness and this documentation.' },
    ],
    paths: buildPaths(),
    components: {
      schemas: { ...responseComponents, ...requestComponents },
      parameters: buildParameters(),
      headers: HEADERS,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'The `token` of the login response (HS256, lifetime JWT_EXPIRES_IN, default 24h), sent as ' +
            '`Authorization: Bearer <token>`. The raw token without "Bearer " is accepted too (the Kickstarter ' +
            'client sends it so). A token stops working when it expires, is logged out, or its user changes ' +
            'password or is deleted.',
        },
      },
    },
  };
}

let document: OpenApiDocument | undefined;

/** The document, built once per process. */
export function openApiDocument(): OpenApiDocument {
  document ??= buildOpenApiDocument();
  return document;
}

/** GET /api/openapi.json. Builds the document now, so that a broken schema fails at startup. */
export function serveOpenApiDocument(): RequestHandler {
  const body = openApiDocument();
  return (_req, res) => {
    res.json(body);
  };
}

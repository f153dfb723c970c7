import type { HeaderObject, JsonSchema } from './document';

/** The words of the OpenAPI document that belong to no single route. */

export const DESCRIPTION = `One REST API for the Picmetric, Kickstarter and Laravel-style auth clients.

**Format.** JSON in and out: request bodies are \`application/json\` or \`application/*+json\`; every response is JSON, errors included, except the Swagger UI page at \`/api/docs\` and the campaigns' chart pages (\`text/html\`). Any request that carries a body is checked before routing, whatever its method: a body that is not JSON is a 415 (before its size is looked at), one over BODY_LIMIT a 413, malformed JSON, a body that is not an object, or one that does not match its \`Content-Encoding\` a 400. Requests Node's HTTP parser refuses get the same JSON envelope: 400 (malformed request line or header, bad \`Content-Length\`), 408 (headers not in within 15 s, the whole request not within 2 minutes), 431 (headers over 16 kB). Unknown fields are ignored, and so are \`id\`, \`user_id\`, \`created_at\`, \`updated_at\`: clients never set them. Text fields refuse NUL characters and unpaired surrogates (422).

**Errors.** \`{ "success": false, "message": "…" }\`; a 422 adds \`errors\`: field name → list of messages, every invalid field at once. Any path or method not listed here answers 404 with that envelope. Checks run in this order: rate limit (429), body format (415, 413, 400), token (401), path ids (404), the resource and its owner (404, 403), body fields (422).

**Authentication.** A JWT from the login response, as \`Authorization: Bearer <token>\` or the raw token. Every 401 carries \`WWW-Authenticate: Bearer\`. Where no token is needed, any \`Authorization\` header is ignored.

**Ids** are positive integers; a path id that is not one (\`0\`, \`abc\`, \`%zz\`) is a 404, as an unknown id is. **Timestamps** are ISO-8601 strings.

**Lists** are JSON arrays in ascending id, paged by \`?limit=\` (1–100, default 50) and either \`?page=\` or \`?after=<id>\`; a \`Link: <…>; rel="next"\` header points at the next page when there is one (built on PUBLIC_URL when it is set, else on the request's own Host).

**Rate limits.** Every route but \`/health\` and \`/ready\` counts toward API_RATE_LIMIT requests per client IP per minute (default 600; 429 with \`Retry-After\` past it; the \`RateLimit\` and \`RateLimit-Policy\` headers tell the state). Failed password checks (login, password change, account deletion) are also counted per client IP and account (LOGIN_RATE_LIMIT per RATE_LIMIT_WINDOW_S).

**Headers.** Every response carries helmet's security headers (\`frame-ancestors 'self'\`, except on the chart pages) and an \`X-Request-Id\` (the client's own when it sends a valid one). CORS: origins from CORS_ORIGIN (default \`*\`); a preflight \`OPTIONS\` on any path answers 204 with no token; \`Link\`, \`Retry-After\` and \`WWW-Authenticate\` are exposed.`;

export const TAGS = [
  { name: 'Users', description: 'Registration, login, tokens and accounts.' },
  { name: 'Images', description: "The caller's private images; also mounted at `/images`." },
  { name: 'Kickstarter', description: 'Campaigns: public to read, changed by their owner only; each carries its insights from the dataset of past campaigns, and has three chart pages.' },
  { name: 'Operations', description: 'Health, readiness and this documentation.' },
];

/** What each error status means on any route; a route may say more. */
export const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The body is not valid JSON, not a JSON object (an array, a string, a number, null), or does not match its Content-Length or Content-Encoding.',
  401: 'No token, or a malformed, expired or revoked one (logged out, password changed since, user deleted).',
  403: "Authenticated, but acting on another user's account or campaign.",
  404: 'Unknown id, or a path id that is not a positive integer.',
  413: 'The body is larger than BODY_LIMIT (default 100 kB).',
  415: 'A non-empty body that is not JSON (`application/json` or `application/*+json`), checked before its size; or an unsupported charset or Content-Encoding.',
  422: 'Validation failed: every invalid field at once, in `errors`.',
  429: 'Rate limited: more than API_RATE_LIMIT requests (default 600) from this client IP in a minute.',
  500: 'A bug. The message is generic; the detail is only in the server log.',
  503: 'The database is unreachable, or the server is still starting (opening its database). The process stays up and recovers by itself.',
};

export const HEADERS: Record<string, HeaderObject> = {
  Link: {
    description:
      'Present when more items exist: `<URL of the next page>; rel="next"` (this request\'s URL with the next `page`, or ' +
      'the next `after` for keyset paging; the other query parameters are kept as sent).',
    schema: { type: 'string', pattern: '^<[^>]+>; rel="next"$' },
  },
  RetryAfter: { description: 'Seconds to wait before retrying.', required: true, schema: { type: 'string', pattern: '^[1-9][0-9]*$' } },
  WWWAuthenticate: { description: 'Always `Bearer`.', required: true, schema: { type: 'string', const: 'Bearer' } },
};

export const SECURITY_SCHEME: JsonSchema = {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description:
    'The `token` of the login response (HS256, lifetime JWT_EXPIRES_IN, default 24h), sent as `Authorization: Bearer ' +
    '<token>`. The raw token without "Bearer " is accepted too (the Kickstarter client sends it so). A token stops ' +
    'working when it expires, is logged out, or its user changes password or is deleted.',
};

/**
 * Walks a response body and fails on anything that looks like a password or a password hash:
 * a key named like a password (except in a 422's `errors`, keyed by field name, and in the
 * OpenAPI document, which describes such fields) or a bcrypt-shaped string anywhere.
 */
const BCRYPT_HASH = /\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}/;
const PASSWORD_KEY = /pass(word)?|hash/i;
/** A picture's perceptual hash and BlurHash placeholder (an image's `metrics`): no secrets. */
const PICTURE_HASH_KEYS = new Set(['phash', 'blurhash']);

const isOpenApiDocument = (value: unknown) =>
  typeof value === 'object' && value !== null && 'openapi' in value && 'paths' in value;

export function findSecrets(value: unknown, path = '$', checkKeys = !isOpenApiDocument(value)): string[] {
  if (typeof value === 'string') return BCRYPT_HASH.test(value) ? [`${path}: bcrypt hash`] : [];
  if (value === null || typeof value !== 'object') return [];
  const found: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (checkKeys && PASSWORD_KEY.test(key) && !PICTURE_HASH_KEYS.has(key) && !path.endsWith('.errors')) found.push(`${path}.${key}: password-like key`);
    found.push(...findSecrets(child, `${path}.${key}`, checkKeys));
  }
  return found;
}

/** A supertest assertion every test app's client runs on every response. */
export function assertNoSecrets(res: { text?: string; body?: unknown; headers: Record<string, string> }): void {
  const found = [...findSecrets(res.body), ...(BCRYPT_HASH.test(res.text ?? '') ? ['raw body: bcrypt hash'] : [])];
  for (const [header, value] of Object.entries(res.headers)) {
    if (BCRYPT_HASH.test(String(value))) found.push(`header ${header}: bcrypt hash`);
  }
  if (found.length > 0) throw new Error(`A response leaked a secret:\n${found.join('\n')}`);
}

import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { apiDocument } from '../../src/app';
import type { HttpMethod } from '../../src/http/routes';
import {
  HTTP_METHODS,
  type HeaderObject,
  type OpenApiDocument,
  type OperationObject,
  type Reference,
  type ResponseObject,
} from '../../src/openapi/document';

/** Mounted twice; the document lists the first mount only, as the contract says (the first match applies). */
const ALIAS_MOUNTS: Record<string, string> = { '/images/signed-url': '/api/images/uploads', '/images': '/api/images' };

/** Routes the app serves that are not API operations: the assets of the Swagger UI page. */
const UNDOCUMENTED_ROUTES = new Set(['GET /api/docs/{asset}']);

/** A path as Express routes it: `/api/kickstarter/` is `/api/kickstarter`, `/images/…` is `/api/images/…`. */
function canonicalPath(path: string): string {
  let canonical = path.replace(/\/{2,}/g, '/');
  if (canonical.length > 1) canonical = canonical.replace(/\/+$/, '');
  for (const [alias, twin] of Object.entries(ALIAS_MOUNTS)) {
    if (canonical === alias || canonical.startsWith(`${alias}/`)) canonical = twin + canonical.slice(alias.length);
  }
  return canonical || '/';
}

/**
 * Holds every response the test suite receives to the OpenAPI document: the operation is found
 * by method and path template, the status must be one the operation lists, the documented
 * required headers must be there (and match their schema), and the body must match the
 * documented media type and schema (ajv, JSON Schema 2020-12, strict). Requests to paths the
 * document does not list must get the errors the app gives before or instead of routing.
 */

export interface CheckedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  text?: string;
}

/** What any path or method the document does not list can answer: body checks, rate limit, 404. */
const UNLISTED_STATUSES = [400, 404, 413, 415, 429];

export const COMPONENTS_ID = 'https://unified-api.invalid/openapi/components';

/** `#/components/schemas/X` → the same schema inside the one ajv knows the components by. */
function rewriteRefs<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', `"${COMPONENTS_ID}#/$defs/`)) as T;
}

export function createAjv(document: OpenApiDocument): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewriteRefs(document.components.schemas) });
  return ajv;
}

function resolve<T>(document: OpenApiDocument, value: T | Reference): T {
  if (value && typeof value === 'object' && '$ref' in value) {
    const target = value.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
    if (target === undefined) throw new Error(`Unresolvable $ref ${value.$ref}`);
    return target as T;
  }
  return value;
}

const segments = (path: string) => path.split('/').slice(1);

/** How a request path fits a template: undefined if it does not, else the number of literal segments (more is more specific). */
function fit(template: string, path: string): number | undefined {
  const want = segments(template);
  const have = segments(path);
  if (want.length !== have.length) return undefined;
  let literal = 0;
  for (let i = 0; i < want.length; i += 1) {
    const expected = want[i]!;
    const actual = have[i]!;
    if (/^\{\w+\}$/.test(expected)) {
      if (actual === '') return undefined;
    } else if (expected.toLowerCase() === actual.toLowerCase()) {
      literal += 1;
    } else {
      return undefined;
    }
  }
  return literal;
}

/** The request path as Express routes it: no query, the alias mount as its twin, no trailing slash. */
function routedPath(url: string): string {
  const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '').split(/[?#]/)[0] ?? '/';
  return canonicalPath(path.startsWith('/') ? path : `/${path}`);
}

function findTemplate(templates: Iterable<string>, path: string): string | undefined {
  let best: { template: string; literal: number } | undefined;
  for (const template of templates) {
    const literal = fit(template, path);
    if (literal !== undefined && (!best || literal > best.literal)) best = { template, literal };
  }
  return best?.template;
}

export interface ResponseChecker {
  document: OpenApiDocument;
  /** Throws when the response is not what the document says `method` `url` answers. */
  check(method: string, url: string, res: CheckedResponse): void;
  checked(): number;
}

const mediaType = (contentType: string | string[] | undefined) =>
  String(contentType ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();

const header = (res: CheckedResponse, name: string) => {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
};

const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((error) => `  ${error.instancePath || '(root)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`).join('\n');

export function createResponseChecker(document: OpenApiDocument = apiDocument()): ResponseChecker {
  const ajv = createAjv(document);
  const validators = new Map<string, ValidateFunction>();
  const validatorFor = (key: string, schema: unknown) => {
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile(rewriteRefs(schema as object));
      validators.set(key, validate);
    }
    return validate;
  };
  let count = 0;

  function operationFor(method: HttpMethod, path: string): { template: string; operation: OperationObject } | undefined {
    const templates = Object.keys(document.paths).filter((template) => document.paths[template]?.[method]);
    const template = findTemplate(templates, path);
    return template === undefined ? undefined : { template, operation: document.paths[template]![method]! };
  }

  function checkBody(where: string, key: string, response: ResponseObject, res: CheckedResponse, headOnly: boolean) {
    // A redirect's few words (Express writes "Found. Redirecting to …") are no document's business.
    if (headOnly || (res.status >= 300 && res.status < 400)) return;
    if (!response.content) {
      if ((res.text ?? '') !== '') throw new Error(`${where}: the document says no body, got ${JSON.stringify(res.text?.slice(0, 200))}`);
      return;
    }
    const type = mediaType(res.headers['content-type']);
    const documented = response.content[type] ?? response.content[`${type.split('/')[0]}/*`];
    if (!documented) {
      throw new Error(`${where}: Content-Type ${type || '(none)'}, documented ${Object.keys(response.content).join(', ')}`);
    }
    if (type !== 'application/json') {
      const bytes = Buffer.isBuffer(res.body) ? res.body.length : (res.text ?? '').length;
      if (bytes === 0) throw new Error(`${where}: an empty ${type} body`);
      return;
    }
    const validate = validatorFor(`${key} ${type}`, documented.schema);
    if (!validate(res.body)) {
      throw new Error(
        `${where}: the body does not match the documented schema\n${describeErrors(validate.errors)}\n` +
          `body: ${JSON.stringify(res.body).slice(0, 500)}`,
      );
    }
  }

  function checkHeaders(where: string, key: string, response: ResponseObject, res: CheckedResponse) {
    for (const [name, headerOrRef] of Object.entries(response.headers ?? {})) {
      const documented = resolve<HeaderObject>(document, headerOrRef);
      const value = header(res, name);
      if (value === undefined) {
        if (documented.required) throw new Error(`${where}: the documented header ${name} is missing`);
        continue;
      }
      const validate = validatorFor(`${key} header ${name}`, documented.schema);
      if (!validate(value)) throw new Error(`${where}: header ${name}: ${JSON.stringify(value)}\n${describeErrors(validate.errors)}`);
    }
  }

  return {
    document,
    checked: () => count,
    check(method, url, res) {
      count += 1;
      const verb = method.toLowerCase();
      const path = routedPath(url);
      const where = `${verb.toUpperCase()} ${url} → ${res.status}`;

      // CORS preflights are answered by the CORS middleware on every path (see info.description).
      if (verb === 'options') {
        if (res.status !== 204) throw new Error(`${where}: a preflight answers 204`);
        return;
      }
      const lookup = verb === 'head' ? 'get' : verb;
      const found = (HTTP_METHODS as readonly string[]).includes(lookup) ? operationFor(lookup as HttpMethod, path) : undefined;

      if (!found) {
        const template = findTemplate([...UNDOCUMENTED_ROUTES].map((route) => route.split(' ')[1]!), path);
        if (template !== undefined && UNDOCUMENTED_ROUTES.has(`${lookup.toUpperCase()} ${template}`) && res.status === 200) return;
        if (!UNLISTED_STATUSES.includes(res.status)) {
          throw new Error(`${where}: the document lists no ${verb.toUpperCase()} ${path}, and such a request may only answer ${UNLISTED_STATUSES.join(', ')}`);
        }
        const unlisted: ResponseObject = { description: 'unlisted', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
        checkBody(where, 'unlisted', unlisted, res, verb === 'head');
        return;
      }

      const { template, operation } = found;
      const key = `${lookup} ${template} ${res.status}`;
      const response = operation.responses[String(res.status)];
      if (!response) {
        throw new Error(
          `${where}: ${lookup.toUpperCase()} ${template} (${operation.operationId}) does not document ${res.status}; ` +
            `it documents ${Object.keys(operation.responses).join(', ')}. Body: ${JSON.stringify(res.body).slice(0, 300)}`,
        );
      }
      checkHeaders(where, key, response, res);
      checkBody(where, key, response, res, verb === 'head');
    },
  };
}

let shared: ResponseChecker | undefined;

/** A supertest assertion: the response matches what the document says `method` `url` answers. */
export function matchesApiDocument(method: string, url: string) {
  return (res: CheckedResponse & { req?: { path?: string } }): void => {
    shared ??= createResponseChecker();
    // The path as it went on the wire (with any query supertest added), else the one asked for.
    shared.check(method, res.req?.path ?? url, res);
  };
}

export const responsesValidated = () => shared?.checked() ?? 0;

import { z } from 'zod';
import packageJson from '../../package.json';
import { errorSchema, invalidTokenErrorSchema, serverErrorSchema, validationErrorSchema } from '../http/errors';
import type { ErrorDoc, HttpMethod, Route } from '../http/routes';
import { DESCRIPTION, ERROR_DESCRIPTIONS, HEADERS, SECURITY_SCHEME, TAGS } from './texts';

/**
 * The OpenAPI 3.1 document, built from the route declarations the app mounts: each route's
 * schemas (requests converted as zod's input, what a client sends; responses as its output),
 * texts and statuses. Served at /api/openapi.json and shown by Swagger UI at /api/docs; the test
 * suite validates every response it receives against it.
 */

export type JsonSchema = Record<string, unknown>;
export const HTTP_METHODS: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];
export interface Reference {
  $ref: string;
}
export interface HeaderObject {
  description: string;
  required?: boolean;
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
  parameters?: Array<{ name: string; in: 'path' | 'query'; required: boolean; description: string; schema: JsonSchema }>;
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, ResponseObject>;
}
type PathItemObject = Partial<Record<HttpMethod, OperationObject>>;
export interface OpenApiDocument {
  openapi: '3.1.0';
  jsonSchemaDialect: string;
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string; description: string }>;
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, PathItemObject>;
  components: { schemas: Record<string, JsonSchema>; headers: Record<string, HeaderObject>; securitySchemes: Record<string, JsonSchema> };
}

const COMPONENTS = '#/components/schemas/';
const ERROR_SCHEMAS: Record<number, z.ZodType> = { 401: invalidTokenErrorSchema, 422: validationErrorSchema, 500: serverErrorSchema };
const ERROR_HEADERS: Record<number, string> = { 401: 'WWWAuthenticate', 429: 'RetryAfter', 503: 'RetryAfter' };

/** zod's `z.int()` bounds are JavaScript's safe integers: true, but noise in a document. */
function dropSafeIntegerBounds({ jsonSchema }: { jsonSchema: JsonSchema }): void {
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
}

/** A body read through `z.preprocess` (two forms of one body) is documented as what it is read into. */
function documented(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodPipe && schema.in instanceof z.ZodTransform ? (schema.out as z.ZodType) : schema;
}

/**
 * Converts many schemas at once: those with an id (`.meta({ id })`, nested ones too) become
 * components, the others come back as inline JSON Schema that may refer to the components.
 */
class SchemaSet {
  private readonly schemas = new Map<z.ZodType, string>();

  constructor(private readonly io: 'input' | 'output') {}

  /** A placeholder for `schema`, resolved by `convert`. */
  add(schema: z.ZodType): string {
    let key = this.schemas.get(schema);
    if (key === undefined) {
      key = z.globalRegistry.get(schema)?.id ?? `~${this.io}${this.schemas.size}`;
      this.schemas.set(schema, key);
    }
    return key;
  }

  convert(components: Record<string, JsonSchema>): Map<string, JsonSchema> {
    const registry = z.registry<{ id: string }>();
    for (const [schema, id] of this.schemas) registry.add(schema, { id });
    const { schemas } = z.toJSONSchema(registry, { io: this.io, target: 'draft-2020-12', uri: (id) => COMPONENTS + id, override: dropSafeIntegerBounds });
    // Named schemas met only inside others are emitted as `__shared`'s $defs: they are components too.
    const json = JSON.parse(JSON.stringify(schemas).replaceAll(`"${COMPONENTS}__shared#/$defs/`, `"${COMPONENTS}`)) as Record<string, JsonSchema>;
    const { __shared: shared, ...emitted } = json;
    const all: Record<string, JsonSchema> = { ...((shared?.$defs as Record<string, JsonSchema>) ?? {}), ...emitted };
    const inline = new Map<string, JsonSchema>();
    for (const [id, schema] of Object.entries(all)) {
      const { $schema: _dialect, $id: _id, ...rest } = schema;
      if (id.startsWith('~')) {
        inline.set(id, rest);
      } else {
        if (components[id] && JSON.stringify(components[id]) !== JSON.stringify(rest)) throw new Error(`Two different schemas are named ${id}`);
        components[id] = rest;
      }
    }
    return inline;
  }
}

/** The error statuses a route can answer: what the mounter's checks give, and what it declares. */
function errorStatuses(route: Route): ErrorDoc[] {
  const derived: number[] = route.probe === 'liveness' ? [500] : route.probe === 'readiness' ? [500, 503] : [429, 500, 503];
  // The body checks run before routing on every request that carries a body.
  if (route.method !== 'get') derived.push(400, 413, 415);
  if (route.auth === 'token') derived.push(401);
  if (route.params) derived.push(404);
  if (route.body || route.query) derived.push(422);
  const declared = new Map((route.errors ?? []).map((error) => [typeof error === 'number' ? error : error[0], error]));
  const all: ErrorDoc[] = [...new Set([...derived, ...declared.keys()])].map((status) => declared.get(status) ?? status);
  return all.sort((a, b) => (typeof a === 'number' ? a : a[0]) - (typeof b === 'number' ? b : b[0]));
}

const binaryContent = (type: string) => ({ [type]: { schema: { type: 'string', format: 'binary' } } });

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description: string;
  key: string;
}

/** The route's path and query parameters, their schemas added to `input`. */
function parametersOf(route: Route, input: SchemaSet): Parameter[] {
  const parameters: Parameter[] = [];
  for (const [where, schema] of [['path', route.params], ['query', route.query]] as const) {
    const shape = (schema as z.ZodObject | undefined)?.shape ?? {};
    for (const [name, field] of Object.entries(shape) as Array<[string, z.ZodType]>) {
      const required = !field.safeParse(undefined).success;
      parameters.push({ name, in: where, required, description: field.description ?? '', key: input.add(field) });
    }
  }
  return parameters;
}

/** The whole document, from every route the app mounts. Pure: settings are named, not valued. */
export function buildOpenApiDocument(routes: readonly Route[]): OpenApiDocument {
  const input = new SchemaSet('input');
  const output = new SchemaSet('output');
  const keys = new Map<Route, { body?: string; success?: string; errors: Map<number, string>; parameters: Parameter[] }>();
  for (const route of routes) {
    const errors = new Map<number, string>();
    for (const error of errorStatuses(route)) {
      const status = typeof error === 'number' ? error : error[0];
      const schema = (typeof error !== 'number' && error[2]) || ERROR_SCHEMAS[status] || errorSchema;
      errors.set(status, output.add(schema));
    }
    keys.set(route, {
      body: route.body && input.add(documented(route.body)),
      success: route.success.schema && output.add(route.success.schema),
      errors,
      parameters: parametersOf(route, input),
    });
  }
  const components: Record<string, JsonSchema> = {};
  const inline = new Map([...input.convert(components), ...output.convert(components)]);
  const resolve = (key: string): JsonSchema => inline.get(key) ?? { $ref: COMPONENTS + key };

  const paths: Record<string, PathItemObject> = {};
  for (const route of routes) {
    const key = keys.get(route)!;
    const responses: Record<string, ResponseObject> = {};
    const { success } = route;
    responses[success.status] = {
      description: success.description,
      ...(success.paged ? { headers: { Link: { $ref: '#/components/headers/Link' } } } : {}),
      ...(success.headers
        ? { headers: Object.fromEntries(Object.entries(success.headers).map(([name, description]) => [name, { description, required: true, schema: { type: 'string' } }])) }
        : {}),
      ...(success.html ? { content: { 'text/html': { schema: { type: 'string' } } } } : {}),
      ...(key.success ? { content: { 'application/json': { schema: resolve(key.success) } } } : {}),
      ...(success.binary ? { content: binaryContent(success.binary) } : {}),
    };
    for (const [status, description] of Object.entries(success.others ?? {})) {
      responses[status] = { description, ...(status === '206' && success.binary ? { content: binaryContent(success.binary) } : {}) };
    }
    for (const error of errorStatuses(route)) {
      const status = typeof error === 'number' ? error : error[0];
      const header = ERROR_HEADERS[status];
      responses[status] = {
        description: typeof error === 'number' ? ERROR_DESCRIPTIONS[status]! : error[1],
        ...(header ? { headers: { [header === 'WWWAuthenticate' ? 'WWW-Authenticate' : 'Retry-After']: { $ref: `#/components/headers/${header}` } } } : {}),
        // A 304 (a conditional GET of a page that did not change) has no body.
        ...(status === 304 ? {} : { content: { 'application/json': { schema: resolve(key.errors.get(status)!) } } }),
      };
    }
    const mentioned = [...Object.keys(route.aliases ?? {}), ...(route.alsoAt ?? [])].map((path) => `\`${openApiPath(path)}\``);
    const entries: Array<[string, string]> = [[route.path, route.operationId], ...Object.entries(route.aliases ?? {})];
    for (const [path, operationId] of entries) {
      const others = mentioned.filter((other) => other !== `\`${openApiPath(path)}\``);
      const item = (paths[openApiPath(path)] ??= {});
      if (item[route.method]) throw new Error(`Two operations for ${route.method.toUpperCase()} ${path}`);
      item[route.method] = {
        operationId,
        tags: [route.tag],
        summary: route.summary,
        description: others.length > 0 ? `${route.description}\n\nAlso at ${others.join(', ')}.` : route.description,
        ...(route.auth === 'token' ? { security: [{ bearerAuth: [] }] } : {}),
        ...(key.parameters.length > 0
          ? {
              parameters: key.parameters.map(({ key: schemaKey, ...parameter }) => {
                const { description: _documentedAbove, ...schema } = resolve(schemaKey);
                return { ...parameter, schema };
              }),
            }
          : {}),
        // A PATCH may change nothing; everything else that takes a body needs one.
        ...(key.body ? { requestBody: { required: route.method !== 'patch', content: { 'application/json': { schema: resolve(key.body) } } } } : {}),
        responses,
      };
    }
  }

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: { title: 'Unified API', version: packageJson.version, description: DESCRIPTION },
    servers: [{ url: '/', description: 'This server' }],
    tags: TAGS,
    paths,
    components: { schemas: components, headers: HEADERS, securitySchemes: { bearerAuth: SECURITY_SCHEME } },
  };
}

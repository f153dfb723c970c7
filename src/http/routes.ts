import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { StreamedType } from './body';

/**
 * A route declared as data: where it is, what it checks, what it answers and what it does. The
 * mounter (`mount.ts`) turns declarations into Express routes and the OpenAPI document is built
 * from the same declarations, so a route, its checks and its documentation cannot drift apart.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type Tag = 'Users' | 'Images' | 'Kickstarter' | 'Operations';

/**
 * Who called a route that needs a token. Empty here: the feature that checks tokens fills it in
 * (declaration merging), so that http/ names no feature.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Caller {}

/** What a successful answer carries. */
interface Success {
  status: 200 | 201 | 204;
  description: string;
  /** The JSON body (converted as zod's output); none for a 204 or an HTML page. */
  schema?: z.ZodType;
  /** The handler returns a `Page`: sent as one JSON array, with `Link` to the next page. */
  paged?: boolean;
  /** The handler writes an HTML page itself. */
  html?: boolean;
  /** The handler writes a file itself, of this media type (`image/*`): documented as binary. */
  binary?: string;
  /** Other answers the handler writes itself, without a JSON body (a 206 carries part of the `binary` file). */
  others?: Readonly<Record<number, string>>;
  /** Headers the answer always carries, by name: their descriptions. */
  headers?: Record<string, string>;
}

/** An error status the route can answer beyond those the mounter derives, or a better description of one. */
export type ErrorDoc = number | readonly [status: number, description: string] | readonly [status: number, description: string, schema: z.ZodType];

export interface RouteContext<Params, Query, Body, Loaded> {
  params: Params;
  query: Query;
  body: Body;
  /** What `load` found. */
  loaded: Loaded;
  /** Set on routes with `auth: 'token'`. */
  caller: Caller;
  /** The client's address, as far as TRUST_PROXY lets X-Forwarded-For speak for it. */
  clientIp: string;
  req: Request;
  res: Response;
}

export interface RouteSpec<Deps, Params, Query, Body, Loaded> {
  tag: Tag;
  method: HttpMethod;
  /** An Express path (`/api/kickstarter/:id`); the document writes `{id}`. */
  path: string;
  operationId: string;
  /** Other paths of the same operation, each documented with its operationId. */
  aliases?: Record<string, string>;
  /** Other paths it is mounted at too, which the document only mentions (the contract lists one). */
  alsoAt?: string[];
  summary: string;
  /** The behaviour a client needs to know: what the OpenAPI document and Swagger UI say. */
  description: string;
  /** `token`: 401 without a valid token. `none`: any Authorization header is ignored. */
  auth: 'token' | 'none';
  /** Path parameters. A value that does not pass is answered 404, as an unknown id. */
  params?: z.ZodType<Params>;
  query?: z.ZodType<Query>;
  /** The JSON body. Not applied to a body of a type in `accepts`, which the handler reads from `req`. */
  body?: z.ZodType<Body>;
  /** Uploads the handler reads itself from the request stream; any other route answers them 415. */
  accepts?: readonly StreamedType[];
  /** The resource and its owner, checked after the path and before the body (404, 403). */
  load?: (context: RouteContext<Params, Query, undefined, undefined>, deps: Deps) => Promise<Loaded> | Loaded;
  success: Success;
  errors?: readonly ErrorDoc[];
  /**
   * A probe a platform polls, mounted before the per-IP API limit: `liveness` touches nothing,
   * `readiness` the database.
   */
  probe?: 'liveness' | 'readiness';
  handler: (context: RouteContext<Params, Query, Body, Loaded>, deps: Deps) => Promise<unknown> | unknown;
}

/** A declaration with its types erased, as the mounter and the document builder see it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Route<Deps = any> = RouteSpec<Deps, any, any, any, any>;

/**
 * Declares the routes of a feature whose handlers use `Deps`, grouped under `tag` in the
 * document: `const route = routesOf<Deps>('Images')`, then `route({ … })`, with the types of
 * params, query, body and loaded inferred from the schemas and `load`.
 */
export function routesOf<Deps>(tag: Tag) {
  return <Params = undefined, Query = undefined, Body = undefined, Loaded = undefined>(
    spec: Omit<RouteSpec<Deps, Params, Query, Body, Loaded>, 'tag'>,
  ): Route<Deps> => ({ ...spec, tag }) as Route<Deps>;
}

/** A feature's routes and the services their handlers use. */
export interface RouteGroup<Deps = unknown> {
  routes: Route<Deps>[];
  deps: Deps;
}

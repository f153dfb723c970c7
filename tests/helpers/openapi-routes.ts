import type { Express } from 'express';
import { HTTP_METHODS, type OpenApiDocument } from '../../src/openapi/document';

/**
 * Route parity between the Express app and the OpenAPI document, both as "METHOD /path/{param}"
 * strings. The app's side comes from walking its router (router 2's `listRoutes()`: one entry per
 * path of a route or mounted router, array paths such as `['/api/images', '/images']` already
 * expanded; a mounted router is recursed into with its mount path as prefix).
 */

/** Mounted twice; the document lists the first mount only, as the contract says. */
export const ALIAS_MOUNTS: Record<string, string> = { '/images': '/api/images' };

/**
 * Routes the app serves that are not API operations, so the document leaves them out on purpose:
 * the scripts, styles and icons of the Swagger UI page at /api/docs.
 */
export const UNDOCUMENTED_ROUTES = new Set(['GET /api/docs/{asset}']);

interface ListedRoute {
  path: string | RegExp;
  methods: string[] | undefined;
  router: RouterLike | undefined;
}

interface RouterLike {
  listRoutes(): ListedRoute[];
}

/** A path as Express routes it: `/api/kickstarter/` is `/api/kickstarter`, `/images/…` is `/api/images/…`. */
export function canonicalPath(path: string): string {
  let canonical = path.replace(/\/{2,}/g, '/');
  if (canonical.length > 1) canonical = canonical.replace(/\/+$/, '');
  for (const [alias, twin] of Object.entries(ALIAS_MOUNTS)) {
    if (canonical === alias || canonical.startsWith(`${alias}/`)) canonical = twin + canonical.slice(alias.length);
  }
  return canonical || '/';
}

/** An Express route path as an OpenAPI one: `/images/:id/` → `/api/images/{id}`. */
export const normalizePath = (path: string): string => canonicalPath(path.replace(/:(\w+)/g, '{$1}'));

function walk(router: RouterLike, prefix: string, found: Set<string>): void {
  for (const { path, methods, router: mounted } of router.listRoutes()) {
    // A RegExp path cannot be documented as such: keep it visible so that parity fails on it.
    const full = `${prefix}${typeof path === 'string' ? path : `<${String(path)}>`}`;
    if (mounted) {
      walk(mounted, full === '/' ? '' : full.replace(/\/+$/, ''), found);
      continue;
    }
    const listed = methods ?? [];
    for (const method of listed) {
      // Express answers HEAD for every GET route by itself.
      if (method === 'HEAD' && listed.includes('GET')) continue;
      found.add(`${method === '*' ? 'ALL' : method} ${normalizePath(full)}`);
    }
  }
}

/** Every method + path the app routes, sorted. */
export function appRoutes(app: Express): string[] {
  const router = app.router as unknown as Partial<RouterLike>;
  if (typeof router.listRoutes !== 'function') throw new Error('router.listRoutes() is missing: is this Express 5 with router >= 2.3?');
  const found = new Set<string>();
  walk(router as RouterLike, '', found);
  return [...found].sort();
}

/** Every method + path the document lists, sorted. */
export function documentedRoutes(document: Pick<OpenApiDocument, 'paths'>): string[] {
  const found: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) if (item[method]) found.push(`${method.toUpperCase()} ${normalizePath(path)}`);
  }
  return found.sort();
}

export interface RouteParity {
  /** Served by the app, missing from the document. */
  undocumented: string[];
  /** In the document, not served by the app. */
  unserved: string[];
}

export function compareRoutes(app: Express, document: Pick<OpenApiDocument, 'paths'>): RouteParity {
  const served = appRoutes(app).filter((route) => !UNDOCUMENTED_ROUTES.has(route));
  const documented = documentedRoutes(document);
  return {
    undocumented: served.filter((route) => !documented.includes(route)),
    unserved: documented.filter((route) => !served.includes(route)),
  };
}

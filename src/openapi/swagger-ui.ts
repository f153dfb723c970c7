import path from 'node:path';
import { type Request, type Response, Router } from 'express';
import helmet from 'helmet';
import { notFound } from '../http/errors';

/** Where npm put swagger-ui-dist (its package.json, not its index, which would load the whole bundle into Node). */
const DIST_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** The files the page loads, and nothing else of the package (its own index.html points at the petstore). */
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png']);

const INITIALIZER = 'swagger-initializer.js';

const MOUNT_PATH = '/api/docs';
const DOCUMENT_URL = '/api/openapi.json';
const asset = (name: string) => `${MOUNT_PATH}/${name}`;

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Unified API – Swagger UI</title>
    <link rel="stylesheet" href="${asset('swagger-ui.css')}">
    <link rel="icon" type="image/png" href="${asset('favicon-32x32.png')}" sizes="32x32">
    <link rel="icon" type="image/png" href="${asset('favicon-16x16.png')}" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui" data-openapi-url="${DOCUMENT_URL}"></div>
    <script src="${asset('swagger-ui-bundle.js')}"></script>
    <script src="${asset(INITIALIZER)}"></script>
  </body>
</html>
`;

// The script that starts the page is a file too, so the page needs no inline script.
const INITIALIZER_SCRIPT = `window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-openapi-url'),
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null
  });
});
`;

// helmet's policy holds here too (scripts and styles from this origin only, no inline script)
// but for upgrade-insecure-requests: every URL on the page is this server's own, so it adds
// nothing over HTTPS, and over plain HTTP (a local `npm start`) it would send the page's scripts
// and its API calls to an https:// port that does not exist.
const pagePolicy = helmet.contentSecurityPolicy({ directives: { upgradeInsecureRequests: null } });

/** GET /api/docs: the Swagger UI page over /api/openapi.json (its route is declared with the operations). */
export function swaggerUiPage(req: Request, res: Response): void {
  pagePolicy(req, res, () => res.type('html').send(PAGE));
}

/** The page's scripts, styles and icons under /api/docs/, every one from this server; nothing else of the package. */
export function swaggerUiAssets(): Router {
  const router = Router();
  router.get(`${MOUNT_PATH}/:asset`, (req, res) => {
    const name = req.params.asset;
    if (name === INITIALIZER) {
      res.type('js').send(INITIALIZER_SCRIPT);
      return;
    }
    if (!ASSETS.has(name)) throw notFound();
    res.sendFile(path.join(DIST_DIR, name), { maxAge: '1d' });
  });
  return router;
}

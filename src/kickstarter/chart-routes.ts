import { z } from 'zod';
import { publicOrigin } from '../http/pagination';
import { routesOf } from '../http/routes';
import { idParams } from '../http/validation';
import { CHART_NAMES } from './insights/charts';
import type { CampaignService } from './service';

interface Deps {
  campaigns: CampaignService;
  /** The `frame-ancestors` sources of chart pages: CORS_ORIGIN's origins, or `*`. */
  frameAncestors: string;
}

const route = routesOf<Deps>('Kickstarter');

const PUBLIC_NOTE = 'Needs no token: an `Authorization` header is ignored, as on every campaign read.';
const NOT_FOUND: [number, string] = [404, 'No such campaign, or the id is not a positive integer.'];

/** Pages always revalidate: a 304 costs one small query, and a changed campaign shows at once. */
const CACHE_CONTROL = 'public, no-cache';

/** Only the page's own inline style may apply; nothing is loaded; framed by the client's origins. */
const chartPolicy = (frameAncestors: string) =>
  `default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors ${frameAncestors}`;

const url = z.string().describe('An absolute URL (PUBLIC_URL when set, else the scheme and Host of the request).');

const chartUrlsSchema = z
  .object({
    graph1: url.describe('"Categories and Goals": average goal and pledged of successful past campaigns per main category, this goal marked.'),
    graph2: url.describe('"Backers and Goals": backers against goal of successful past campaigns in this category, this goal in blue.'),
    graph3: url.describe("A gauge of this campaign's `prediction_results`."),
  })
  .meta({ id: 'CampaignCharts' });

const chartParams = idParams.extend({
  graph: z.enum(CHART_NAMES).describe('Which chart: `graph1`, `graph2` or `graph3`; anything else answers 404.'),
});

/** The campaign charts the Kickstarter client shows in iframes. Declared before `GET /api/kickstarter/:id`. */
export const chartRoutes = [
  route({
    method: 'get', path: '/api/kickstarter/visualizations/:id', operationId: 'getCampaignCharts',
    summary: "The URLs of a campaign's three chart pages",
    description:
      'Absolute URLs of three `text/html` pages about campaign `id`, each one chart drawn by the server as inline SVG: ' +
      '`graph1` "Categories and Goals", `graph2` "Backers and Goals", `graph3` the chance-of-success gauge. ' +
      `The origin is PUBLIC_URL when it is set, else the scheme and Host of this request. ${PUBLIC_NOTE}`,
    auth: 'none',
    params: idParams,
    success: { status: 200, description: 'The three chart URLs.', schema: chartUrlsSchema },
    errors: [NOT_FOUND],
    handler: async ({ params, req }, deps) => {
      await deps.campaigns.get(params.id);
      const base = `${publicOrigin(req)}/api/kickstarter/visualizations/${params.id}`;
      return { graph1: `${base}/graph1`, graph2: `${base}/graph2`, graph3: `${base}/graph3` };
    },
  }),
  route({
    method: 'get', path: '/api/kickstarter/visualizations/:id/:graph', operationId: 'getCampaignChart',
    summary: 'A chart page of a campaign',
    description:
      'A complete HTML page holding one chart as inline SVG, drawn by the server (no script, no CDN), with a `<title>` and a ' +
      'caption saying in words what it shows; while no dataset is imported, the page says so. Framable by the origins in ' +
      "CORS_ORIGIN (`Content-Security-Policy: frame-ancestors …`, `*` for any; no `X-Frame-Options`), where every other " +
      "response keeps `frame-ancestors 'self'`. Cacheable: `Cache-Control: public, no-cache` and a strong `ETag` over the " +
      'campaign and the dataset version, so the page changes when either does; `If-None-Match` with the current ETag ' +
      `answers 304 without drawing. ${PUBLIC_NOTE}`,
    auth: 'none',
    params: chartParams,
    success: {
      status: 200,
      description: 'The chart page (`text/html`).',
      html: true,
      headers: {
        ETag: 'A strong ETag over the campaign and the dataset version: send it back in `If-None-Match`.',
        'Cache-Control': '`public, no-cache`: cached, and revalidated on every use.',
        'Content-Security-Policy': "Nothing loads but the page's inline style; `frame-ancestors` lists CORS_ORIGIN's origins (`*` for any).",
      },
    },
    errors: [[304, 'Not modified: the `If-None-Match` ETag is the current one. No body.'], [404, 'No such campaign or chart, or the id is not a positive integer.']],
    handler: async ({ params: { id, graph }, req, res }, deps) => {
      const campaign = await deps.campaigns.get(id);
      res.setHeader('Cache-Control', CACHE_CONTROL);
      res.setHeader('Content-Security-Policy', chartPolicy(deps.frameAncestors));
      res.removeHeader('X-Frame-Options');
      res.setHeader('ETag', await deps.campaigns.chartEtag(campaign, graph));
      if (req.fresh) return void res.status(304).end();
      const { html, etag } = await deps.campaigns.renderChart(campaign, graph);
      res.setHeader('ETag', etag);
      res.status(200).type('html').send(html);
    },
  }),
];

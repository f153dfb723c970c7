import type * as ECharts from 'echarts';
import type { EChartsOption } from 'echarts';

/**
 * Chart pages: one chart as inline SVG, drawn on the server by Apache ECharts' SVG renderer (no
 * script, no CDN), with a title and a caption in words for screen readers. ECharts escapes the
 * texts it draws; the page's own texts are escaped here.
 */

const CHART_WIDTH = 800;
const CHART_HEIGHT = 480;
const BLUE = '#1f6fd1';
const usd = (amount: number) => `$${Math.round(amount).toLocaleString('en-US')}`;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface ChartPage {
  title: string;
  caption: string;
  option: EChartsOption;
}

/** Loaded on the first chart: ECharts costs 0.1 s and 20 MB to load, which a server that draws none should not pay at start. */
let echarts: typeof ECharts | undefined;

function svgOf(option: EChartsOption): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  echarts ??= require('echarts') as typeof ECharts;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: CHART_WIDTH, height: CHART_HEIGHT });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: 'sans-serif' }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** A complete HTML document holding the page's chart. */
export function chartHtml({ title, caption, option }: ChartPage): string {
  const svg = svgOf(option);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{margin:0;font-family:sans-serif;color:#222;background:#fff}figure{margin:0}svg{display:block;width:100%;height:auto;max-width:${CHART_WIDTH}px}figcaption{padding:8px 12px;font-size:14px;line-height:1.4}</style>
</head>
<body>
<figure>
<div role="img" aria-label="${escapeHtml(title)}">${svg}</div>
<figcaption>${escapeHtml(caption)}</figcaption>
</figure>
</body>
</html>
`;
}

/** Every chart's page while no dataset has been imported. */
export function noDataPage(title: string): ChartPage {
  const message = 'No data has been imported yet';
  return {
    title: `${title}: ${message.toLowerCase()}`,
    caption: `${message}: this chart appears once a dataset of past Kickstarter campaigns has been imported.`,
    option: { title: { text: title, subtext: message, left: 'center', top: 'middle' } },
  };
}

export interface MainCategoryFigures {
  main_category: string;
  successful: number;
  goal_average: number;
  pledged_average: number;
}

/** graph1: average goal and pledged of successful past campaigns per main category, the campaign's goal marked. */
export function categoriesAndGoalsPage(figures: MainCategoryFigures[], goal: number): ChartPage {
  const top = [...figures].sort((a, b) => b.pledged_average - a.pledged_average)[0];
  return {
    title: 'Categories and Goals',
    caption:
      `Average goal and average amount pledged, in US dollars, of successful past campaigns in each of ` +
      `${figures.length} main categories; the blue line marks this campaign's goal of ${usd(goal)}.` +
      (top ? ` The highest average pledged is in ${top.main_category}: ${usd(top.pledged_average)}.` : ''),
    option: {
      title: { text: 'Categories and Goals', left: 'center' },
      legend: { top: 38 },
      grid: { top: 80, bottom: 110, left: 80, right: 30 },
      xAxis: { type: 'category', data: figures.map((f) => f.main_category), axisLabel: { rotate: 40, interval: 0 } },
      yAxis: {
        type: 'log',
        name: 'US dollars',
        // From the power of ten below the lowest bar (or the goal), not from $1.
        min: (extent: { min: number }) => 10 ** Math.floor(Math.log10(Math.max(1, Math.min(extent.min, goal)))),
        axisLabel: { formatter: (value: number) => usd(value) },
      },
      series: [
        { name: 'Average goal', type: 'bar', data: figures.map((f) => f.goal_average), itemStyle: { color: '#9aa5b1' } },
        {
          name: 'Average pledged',
          type: 'bar',
          data: figures.map((f) => f.pledged_average),
          itemStyle: { color: '#f0a030' },
          markLine: {
            symbol: 'none',
            lineStyle: { color: BLUE, width: 2, type: 'solid' },
            label: { formatter: `Your goal: ${usd(goal)}`, position: 'insideEndTop', color: BLUE },
            data: [{ yAxis: goal }],
          },
        },
      ],
    },
  };
}

/** graph2: backers against goal of successful past campaigns in the category, the campaign's goal in blue. */
export function backersAndGoalsPage(points: Array<[number, number]>, category: string, goal: number, total: number): ChartPage {
  const sample = total > points.length ? ` (a sample of ${points.length.toLocaleString('en-US')})` : '';
  const backers = points.map(([, b]) => b).sort((a, b) => a - b);
  const median = backers[Math.floor(backers.length / 2)];
  return {
    title: `Backers and Goals: ${category}`,
    caption:
      points.length === 0
        ? `No successful past campaign in the category ${category}: there is nothing to compare this campaign's goal of ${usd(goal)} with.`
        : `Backers against goal, in US dollars, of ${total.toLocaleString('en-US')} successful past campaigns in ${category}${sample}; ` +
          `the blue line marks this campaign's goal of ${usd(goal)}. The median campaign shown had ${median} backers.`,
    option: {
      title: { text: `Backers and Goals: ${category}`, left: 'center' },
      grid: { top: 60, bottom: 60, left: 80, right: 40 },
      xAxis: { type: 'log', name: 'Goal (USD)', nameLocation: 'middle', nameGap: 30, axisLabel: { formatter: (value: number) => usd(value) } },
      yAxis: { type: 'log', name: 'Backers' },
      series: [
        {
          name: 'Successful past campaigns',
          type: 'scatter',
          symbolSize: 4,
          itemStyle: { color: '#f0a030', opacity: 0.6 },
          data: points.filter(([g, b]) => g > 0 && b > 0),
          markLine: {
            symbol: 'none',
            lineStyle: { color: BLUE, width: 2, type: 'solid' },
            label: { formatter: `Your goal: ${usd(goal)}`, color: BLUE },
            data: [{ xAxis: goal }],
          },
        },
      ],
    },
  };
}

/** graph3: a gauge of the campaign's predicted chance of success. */
export function predictionPage(percent: number | null, trainedOn: number): ChartPage {
  return {
    title: 'Chance of success',
    caption:
      percent === null
        ? 'No prediction for this campaign yet.'
        : `This campaign's predicted chance of success is ${percent} %, from a model trained on a dataset of ` +
          `${trainedOn.toLocaleString('en-US')} past Kickstarter campaigns.`,
    option: {
      title: { text: 'Chance of success', left: 'center' },
      series: [
        {
          type: 'gauge',
          min: 0,
          max: 100,
          center: ['50%', '60%'],
          progress: { show: true, width: 18, itemStyle: { color: BLUE } },
          axisLine: { lineStyle: { width: 18 } },
          detail: { formatter: percent === null ? 'n/a' : '{value}%', fontSize: 36, offsetCenter: [0, '40%'] },
          data: [{ value: percent ?? 0, name: 'predicted' }],
        },
      ],
    },
  };
}

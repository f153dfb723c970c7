import autocannon from 'autocannon';

/** One autocannon run, with latencies kept exactly (autocannon's own histogram rounds to whole ms). */
export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Requests per second per connection (a paced probe rather than a load). */
  connectionRate?: number;
}

export interface LoadResult {
  url: string;
  method: string;
  connections: number;
  durationSeconds: number;
  requests: number;
  requestsPerSecond: number;
  /** Latency percentiles in milliseconds, from every 2xx response's own time (not rounded). */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

/** What one autocannon run counted, with every 2xx response's time: runs add up (`summarize`). */
export interface LoadSample {
  seconds: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  times: number[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // Nearest rank, as HdrHistogram and autocannon report it.
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

const round = (value: number, digits = 3) => Number(value.toFixed(digits));

export function sampleLoad(options: LoadOptions): Promise<LoadSample> {
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        method: options.method ?? 'GET',
        headers: options.headers,
        body: options.body,
        connectionRate: options.connectionRate,
        timeout: 10,
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        const statusCodes: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
        resolve({
          seconds: result.duration || options.durationSeconds,
          requests: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes,
          times,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) times.push(responseTime);
    });
  });
}

/** One result from runs of the same load: their requests over their seconds, their latencies pooled. */
export function summarize(options: LoadOptions, samples: LoadSample[]): LoadResult {
  const sum = (pick: (sample: LoadSample) => number) => samples.reduce((total, sample) => total + pick(sample), 0);
  const times = samples.flatMap((sample) => sample.times).sort((a, b) => a - b);
  const seconds = sum((sample) => sample.seconds);
  const requests = sum((sample) => sample.requests);
  const statusCodes: Record<string, number> = {};
  for (const sample of samples) {
    for (const [code, count] of Object.entries(sample.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  return {
    url: options.url,
    method: options.method ?? 'GET',
    connections: options.connections,
    durationSeconds: round(seconds, 2),
    requests,
    requestsPerSecond: round(requests / seconds, 1),
    latencyMs: {
      p50: round(percentile(times, 50)),
      p90: round(percentile(times, 90)),
      p99: round(percentile(times, 99)),
      max: round(times.at(-1) ?? Number.NaN),
      mean: round(times.reduce((total, t) => total + t, 0) / Math.max(1, times.length)),
    },
    non2xx: sum((sample) => sample.non2xx),
    errors: sum((sample) => sample.errors),
    timeouts: sum((sample) => sample.timeouts),
    statusCodes,
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  return summarize(options, [await sampleLoad(options)]);
}

/** A short run whose numbers are thrown away: JIT, pool connections and caches warm up. */
export async function warmUp(options: LoadOptions, seconds: number): Promise<void> {
  const result = await runLoad({ ...options, durationSeconds: seconds });
  if (result.requests === 0) {
    throw new Error(`warm-up of ${options.method ?? 'GET'} ${options.url} got no 2xx answer (status codes: ${JSON.stringify(result.statusCodes)}, errors: ${result.errors})`);
  }
}

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
  /** autocannon's own (whole-ms, coordinated-omission-corrected when paced) percentiles, for reference. */
  autocannonLatencyMs: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // Nearest rank, as HdrHistogram and autocannon report it.
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

const round = (value: number, digits = 3) => Number(value.toFixed(digits));

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const method = options.method ?? 'GET';
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        method,
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
        times.sort((a, b) => a - b);
        const seconds = result.duration || options.durationSeconds;
        const statusCodes: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
        resolve({
          url: options.url,
          method,
          connections: options.connections,
          durationSeconds: round(seconds, 2),
          requests: result['2xx'],
          requestsPerSecond: round(result['2xx'] / seconds, 1),
          latencyMs: {
            p50: round(percentile(times, 50)),
            p90: round(percentile(times, 90)),
            p99: round(percentile(times, 99)),
            max: round(times.at(-1) ?? Number.NaN),
            mean: round(times.reduce((sum, t) => sum + t, 0) / Math.max(1, times.length)),
          },
          autocannonLatencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) times.push(responseTime);
    });
  });
}

/** A short run whose numbers are thrown away: JIT, pool connections and caches warm up. */
export async function warmUp(options: LoadOptions, seconds: number): Promise<void> {
  const result = await runLoad({ ...options, durationSeconds: seconds });
  if (result.requests === 0) {
    throw new Error(`warm-up of ${options.method ?? 'GET'} ${options.url} got no 2xx answer (status codes: ${JSON.stringify(result.statusCodes)}, errors: ${result.errors})`);
  }
}

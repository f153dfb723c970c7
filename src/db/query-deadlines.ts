/** The part of a `pg` client that the deadlines use. */
export interface WatchedClient {
  query(...args: unknown[]): unknown;
  on(event: 'end', listener: () => void): unknown;
  connection: {
    on(event: 'readyForQuery', listener: () => void): unknown;
    stream: { destroy(error?: Error): void };
  };
}

interface Watched {
  client: WatchedClient;
  /** Queries handed to the client and not yet answered by a ReadyForQuery. */
  pending: number;
  /** When the client last started on a query (performance.now()), 0 while it is idle. */
  busySince: number;
  limitMs: number;
}

/**
 * The bound on how long a query may take, for every connection of one pool, kept by one timer:
 * a connection busy on one query for longer than its limit is cut, so that its query fails with
 * "Query read timeout" (a 503) instead of hanging, and the pool replaces it. A query's own
 * `query_timeout` (the long imports' 30 min) is its limit; the others get `limitMs`.
 *
 * Why not pg's `query_timeout` on the connection: it arms and clears a timer for every query,
 * and with it the rows of the busiest lists outlived young-generation collections: 1,000
 * campaign lists a second promoted 137 MB in 12 s and forced 9 mark-compacts; with this (and
 * pg's callback in `queryRows`), 2.6 MB and none, and a fifth less CPU per request
 * (`--trace-gc-nvp`; see the README).
 */
export class QueryDeadlines {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limitMs: number,
    private readonly checkEveryMs = Math.min(1_000, limitMs / 4),
  ) {}

  /** Puts a new connection under watch (the pool's `afterCreate`). */
  watch(client: WatchedClient): void {
    const entry: Watched = { client, pending: 0, busySince: 0, limitMs: this.limitMs };
    const defaultLimitMs = this.limitMs;
    const query = client.query;
    client.query = function queryWithDeadline(this: WatchedClient, ...args: unknown[]) {
      const result = query.apply(this, args);
      if (entry.pending === 0) {
        entry.busySince = performance.now();
        entry.limitMs = queryTimeoutOf(args[0]) ?? defaultLimitMs;
      }
      entry.pending += 1;
      return result;
    };
    // Every query, answered or failed by the database, ends with a ReadyForQuery. One refused before
    // it reaches the database (a closed connection) leaves `pending` up: that connection is gone
    // anyway, and cutting it later changes nothing.
    client.connection.on('readyForQuery', () => {
      entry.pending = Math.max(0, entry.pending - 1);
      entry.busySince = entry.pending > 0 ? performance.now() : 0;
    });
    client.on('end', () => this.watched.delete(entry));
    this.watched.add(entry);
    this.timer ??= setInterval(() => this.cutOverdue(), this.checkEveryMs).unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.watched.clear();
  }

  private cutOverdue(): void {
    const now = performance.now();
    for (const entry of this.watched) {
      if (entry.busySince > 0 && now - entry.busySince > entry.limitMs) {
        entry.busySince = 0;
        entry.client.connection.stream.destroy(new Error('Query read timeout'));
      }
    }
  }
}

function queryTimeoutOf(config: unknown): number | undefined {
  const timeout = (config as { query_timeout?: unknown } | null | undefined)?.query_timeout;
  return typeof timeout === 'number' && timeout > 0 ? timeout : undefined;
}

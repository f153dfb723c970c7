import cluster from 'node:cluster';
import { ClusterMemoryStoreWorker } from '@express-rate-limit/cluster-memory-store';
import { type ClientRateLimitInfo, type Options, type Store } from 'express-rate-limit';
import Redis from 'ioredis';
import type { Logger } from '../logger';

/**
 * Where rate-limit counters live: Redis when REDIS_URL is set (shared by every instance), else
 * the cluster primary's memory (shared by the workers of one instance), else this process.
 */
export interface RateLimitStores {
  kind: 'redis' | 'cluster' | 'memory';
  /** A store for one limiter; `prefix` keeps limiters' counters apart. */
  create(prefix: string): Store;
  close(): Promise<void>;
}

const REDIS_READY_TIMEOUT_MS = 3_000;

// Atomic fixed-window counter: the first hit sets the expiry, later hits only count.
const INCREMENT_SCRIPT = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
  return {1, tonumber(ARGV[1])}
end
return {redis.call('INCR', KEYS[1]), ttl}`;

// Never below zero, and never a counter without an expiry.
const DECREMENT_SCRIPT = `
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
if hits > 0 then redis.call('DECR', KEYS[1]) end
return hits`;

type ScriptedRedis = Redis & {
  rateLimitIncrement(key: string, windowMs: number): Promise<[number, number]>;
  rateLimitDecrement(key: string): Promise<number>;
};

/** express-rate-limit's Store on Redis, through ioredis (EVALSHA, reloaded by ioredis when Redis forgets it). */
class RedisCounterStore implements Store {
  private windowMs = 60_000;

  constructor(
    private readonly redis: ScriptedRedis,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const [totalHits, ttl] = await this.redis.rateLimitIncrement(this.prefix + key, this.windowMs);
    return { totalHits, resetTime: new Date(Date.now() + ttl) };
  }

  async decrement(key: string): Promise<void> {
    await this.redis.rateLimitDecrement(this.prefix + key);
  }

  async resetKey(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}

/**
 * Counters a process can hold at once. A key holds a client IP and a fixed-size subject, so the
 * store stays within a few tens of megabytes however many keys a client makes up (IPv6 gives one
 * client many addresses); past this the oldest window is forgotten first.
 */
const MEMORY_STORE_MAX_KEYS = 100_000;

interface Counter {
  hits: number;
  resetTime: Date;
}

/**
 * Fixed-window counters in this process's memory, bounded in number. The map keeps keys in the
 * order their windows started (a new window re-inserts its key), so expired and oldest counters
 * are always at its front: sweeping and evicting never scan the whole map.
 */
export class BoundedMemoryStore implements Store {
  readonly localKeys = true;
  private readonly counters = new Map<string, Counter>();
  private windowMs = 60_000;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(readonly maxKeys = MEMORY_STORE_MAX_KEYS) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
    clearInterval(this.sweeper);
    this.sweeper = setInterval(() => this.sweep(Date.now()), Math.min(this.windowMs, 60_000));
    this.sweeper.unref();
  }

  get(key: string): ClientRateLimitInfo | undefined {
    const counter = this.live(key, Date.now());
    return counter && { totalHits: counter.hits, resetTime: counter.resetTime };
  }

  increment(key: string): ClientRateLimitInfo {
    const now = Date.now();
    let counter = this.live(key, now);
    if (!counter) {
      this.sweep(now);
      for (const oldest of this.counters.keys()) {
        if (this.counters.size < this.maxKeys) break;
        this.counters.delete(oldest);
      }
      counter = { hits: 0, resetTime: new Date(now + this.windowMs) };
      this.counters.set(key, counter);
    }
    counter.hits += 1;
    return { totalHits: counter.hits, resetTime: counter.resetTime };
  }

  decrement(key: string): void {
    const counter = this.live(key, Date.now());
    if (counter && counter.hits > 0) counter.hits -= 1;
  }

  resetKey(key: string): void {
    this.counters.delete(key);
  }

  resetAll(): void {
    this.counters.clear();
  }

  shutdown(): void {
    clearInterval(this.sweeper);
  }

  /** How many counters are held (for tests and measurements). */
  get size(): number {
    return this.counters.size;
  }

  private live(key: string, now: number): Counter | undefined {
    const counter = this.counters.get(key);
    if (counter && counter.resetTime.getTime() <= now) {
      this.counters.delete(key);
      return undefined;
    }
    return counter;
  }

  private sweep(now: number): void {
    for (const [key, counter] of this.counters) {
      if (counter.resetTime.getTime() > now) return;
      this.counters.delete(key);
    }
  }
}

function connectRedis(url: string, logger: Logger): ScriptedRedis {
  const redis = new Redis(url, {
    // Fail fast while Redis is away instead of queueing commands (and requests) behind it.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    // Heroku Redis (rediss://) presents a self-signed certificate: encrypted, not CA-verified.
    ...(url.startsWith('rediss:') ? { tls: { rejectUnauthorized: false } } : {}),
  });
  let reportedDown = false;
  redis.on('error', (err) => {
    if (!reportedDown) logger.error({ err }, 'redis unavailable');
    reportedDown = true;
  });
  redis.on('ready', () => {
    if (reportedDown) logger.info('redis available again');
    reportedDown = false;
  });
  redis.defineCommand('rateLimitIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
  redis.defineCommand('rateLimitDecrement', { numberOfKeys: 1, lua: DECREMENT_SCRIPT });
  return redis as ScriptedRedis;
}

async function waitUntilReady(redis: Redis, logger: Logger): Promise<void> {
  if (redis.status === 'ready') return;
  const ready = new Promise<boolean>((resolve) => redis.once('ready', () => resolve(true)));
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), REDIS_READY_TIMEOUT_MS).unref());
  if (!(await Promise.race([ready, timeout]))) logger.warn('redis is not reachable yet; rate limits will use it once it is');
}

export async function createRateLimitStores(redisUrl: string | undefined, logger: Logger): Promise<RateLimitStores> {
  if (redisUrl) {
    const redis = connectRedis(redisUrl, logger);
    await waitUntilReady(redis, logger);
    return {
      kind: 'redis',
      create: (prefix) => new RedisCounterStore(redis, `rl:${prefix}:`),
      close: async () => {
        redis.disconnect();
      },
    };
  }
  if (cluster.isWorker) {
    return { kind: 'cluster', create: (prefix) => new ClusterMemoryStoreWorker({ prefix }), close: async () => undefined };
  }
  const stores: BoundedMemoryStore[] = [];
  return {
    kind: 'memory',
    create: () => {
      const store = new BoundedMemoryStore();
      stores.push(store);
      return store;
    },
    close: async () => {
      for (const store of stores) store.shutdown();
    },
  };
}

import cluster from 'node:cluster';
import { ClusterMemoryStoreWorker } from '@express-rate-limit/cluster-memory-store';
import { type ClientRateLimitInfo, MemoryStore, type Options, type Store } from 'express-rate-limit';
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
  const stores: MemoryStore[] = [];
  return {
    kind: 'memory',
    create: () => {
      const store = new MemoryStore();
      stores.push(store);
      return store;
    },
    close: async () => {
      for (const store of stores) store.shutdown();
    },
  };
}

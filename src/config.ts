import bytes from 'bytes';
import { z } from 'zod';

/**
 * Every environment variable the server reads, parsed and validated once at start.
 * `loadConfig` reports every problem at once, so a broken deployment is fixed in one round.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const MIN_SECRET_LENGTH = 32;
const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Empty values (`FOO=` in a .env file) count as unset. */
const unset = (value: unknown) => (value === '' ? undefined : value);

const integer = (fallback: number, min: number, max: number) =>
  z.preprocess(
    unset,
    z
      .string()
      .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
      .transform(Number)
      .refine((n) => n >= min && n <= max, `must be a whole number from ${min} to ${max}`)
      .prefault(String(fallback)),
  );

const boolean = (fallback: boolean) =>
  z.preprocess(
    unset,
    z
      .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
      .transform((v) => v === 'true' || v === '1')
      .prefault(fallback ? 'true' : 'false'),
  );

const optionalString = z.preprocess(unset, z.string().optional());

/** `24h`, `15m`, `7d`, `3600s` or plain seconds. */
const duration = z.preprocess(
  unset,
  z
    .string()
    .regex(/^\d+\s*[smhd]?$/, 'must be a duration such as 3600, 15m, 24h or 7d')
    .transform((v) => {
      const unit = v.at(-1) ?? '';
      const factor = DURATION_UNITS[unit] ?? 1;
      return Number.parseInt(v, 10) * factor;
    })
    .refine((seconds) => seconds > 0, 'must be longer than 0 seconds')
    .prefault('24h'),
);

const byteSize = (fallback: string) => z.preprocess(
  unset,
  z
    .string()
    .transform((v, ctx) => {
      const parsed = bytes.parse(v);
      if (parsed === null || parsed <= 0) {
        ctx.addIssue({ code: 'custom', message: 'must be a size such as 100kb or 1mb' });
        return z.NEVER;
      }
      return parsed;
    })
    .prefault(fallback),
);

/** `false` or a number of proxy hops; `true` (trust everyone) would let any client forge its IP. */
const trustProxy = z.preprocess(
  unset,
  z
    .string()
    .regex(/^(false|\d+)$/, 'must be false or the number of proxy hops to trust (1 on Heroku)')
    .transform((v) => (v === 'false' ? 0 : Number(v)))
    .prefault('false'),
);

const urlString = (protocols: string[]) =>
  z.preprocess(
    unset,
    z
      .string()
      .refine((v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`)
      .optional(),
  );

/** The server's public origin: `https://api.example.com`, no path (a trailing slash is dropped). */
const publicUrl = z.preprocess(
  unset,
  z
    .string()
    .transform((v, ctx) => {
      try {
        const url = new URL(v);
        if ((url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/' && !url.search && !url.hash) {
          return url.origin;
        }
      } catch {
        // Reported below.
      }
      ctx.addIssue({ code: 'custom', message: 'must be an origin such as https://api.example.com (no path)' });
      return z.NEVER;
    })
    .optional(),
);

const envSchema = z.object({
  NODE_ENV: z.preprocess(unset, z.string().default('development')),
  PORT: integer(5000, 0, 65535),
  DATABASE_URL: urlString(['postgres:', 'postgresql:']),
  DATABASE_SSL: boolean(false),
  EMBEDDED_DB_DIR: z.preprocess(unset, z.string().default('./data/db')),
  JWT_SECRET: optionalString,
  JWT_EXPIRES_IN: duration,
  BCRYPT_ROUNDS: integer(10, 4, 15),
  CORS_ORIGIN: z.preprocess(unset, z.string().default('*')),
  BODY_LIMIT: byteSize('100kb'),
  EMAIL_CHECK_DNS: boolean(false),
  TRUST_PROXY: trustProxy,
  LOGIN_RATE_LIMIT: integer(10, 0, 1_000_000),
  RATE_LIMIT_WINDOW_S: integer(900, 1, 86_400),
  API_RATE_LIMIT: integer(600, 0, 1_000_000),
  REDIS_URL: urlString(['redis:', 'rediss:']),
  WEB_CONCURRENCY: integer(1, 1, 64),
  LOG_LEVEL: z.preprocess(unset, z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info')),
  MIGRATE_ON_START: boolean(true),
  PUBLIC_URL: publicUrl,
});

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  production: boolean;
  port: number;
  database: {
    /** PostgreSQL URL; unset means the embedded database. */
    url?: string;
    ssl: boolean;
    /** Directory of the embedded database, or `memory://`. */
    embeddedDir: string;
  };
  jwt: {
    /** Unset outside production: a generated secret is kept in the database instead. */
    secret?: string;
    expiresInSeconds: number;
  };
  bcryptRounds: number;
  corsOrigins: '*' | string[];
  bodyLimitBytes: number;
  emailCheckDns: boolean;
  trustProxyHops: number;
  rateLimit: { loginFailures: number; windowSeconds: number; apiPerMinute: number };
  redisUrl?: string;
  webConcurrency: number;
  logLevel: LogLevel;
  migrateOnStart: boolean;
  /** The origin absolute URLs (the next page's `Link`) are built on; unset, the request's own Host. */
  publicUrl?: string;
  /** Uploaded image files: where they live and their limits. */
  uploads: UploadConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Rules that span several variables, read from the raw values so they are reported alongside the rest. */
function crossVariableProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const secret = unset(env.JWT_SECRET);
  if (typeof secret === 'string' && secret.length < MIN_SECRET_LENGTH) {
    problems.push(`JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters long`);
  }
  if (env.NODE_ENV === 'production' && secret === undefined) {
    problems.push(
      `JWT_SECRET is required when NODE_ENV=production (at least ${MIN_SECRET_LENGTH} random characters, e.g. \`openssl rand -hex 32\`)`,
    );
  }
  if (Number(env.WEB_CONCURRENCY) > 1 && unset(env.DATABASE_URL) === undefined) {
    problems.push('WEB_CONCURRENCY above 1 needs DATABASE_URL: the embedded database lives in one process');
  }
  return problems;
}

// ---- Uploaded image files (contract, "Image files") ---------------------------------------------

/** Where uploaded files live (a directory on disk unless an S3 bucket is set) and their limits. */
export interface UploadConfig {
  dir: string;
  maxBytes: number;
  quotaBytes: number;
  s3?: {
    bucket: string;
    region: string;
    endpoint?: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    forcePathStyle: boolean;
  };
}

const uploadEnvSchema = z.object({
  UPLOAD_DIR: z.preprocess(unset, z.string().default('./data/uploads')),
  UPLOAD_MAX_BYTES: byteSize('10mb'),
  UPLOAD_QUOTA_BYTES: byteSize('1gb'),
  S3_BUCKET: optionalString,
  S3_REGION: optionalString,
  S3_ENDPOINT: urlString(['http:', 'https:']),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_FORCE_PATH_STYLE: boolean(false),
});

function parseUploadConfig(env: NodeJS.ProcessEnv): { config?: UploadConfig; problems: string[] } {
  const parsed = uploadEnvSchema.safeParse(env);
  if (!parsed.success) return { problems: parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`) };
  const vars = parsed.data;
  const s3Named = [vars.S3_REGION, vars.S3_ENDPOINT, vars.S3_ACCESS_KEY_ID, vars.S3_SECRET_ACCESS_KEY].some(Boolean);
  if (!vars.S3_BUCKET) {
    return { problems: s3Named ? ['S3_BUCKET is required when another S3_ variable is set'] : [], config: localUploads(vars) };
  }
  // Credentials come in pairs; neither means the SDK's own chain (an IAM role, ~/.aws).
  if (Boolean(vars.S3_ACCESS_KEY_ID) !== Boolean(vars.S3_SECRET_ACCESS_KEY)) {
    return { problems: ['S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together'] };
  }
  return {
    problems: [],
    config: {
      ...localUploads(vars),
      s3: {
        bucket: vars.S3_BUCKET,
        // Most S3-compatible stores ignore the region but the SDK needs one.
        region: vars.S3_REGION ?? 'us-east-1',
        endpoint: vars.S3_ENDPOINT,
        accessKeyId: vars.S3_ACCESS_KEY_ID,
        secretAccessKey: vars.S3_SECRET_ACCESS_KEY,
        forcePathStyle: vars.S3_FORCE_PATH_STYLE,
      },
    },
  };
}

const localUploads = (vars: z.infer<typeof uploadEnvSchema>) => ({
  dir: vars.UPLOAD_DIR,
  maxBytes: vars.UPLOAD_MAX_BYTES,
  quotaBytes: vars.UPLOAD_QUOTA_BYTES,
});

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
  const uploads = parseUploadConfig(env);
  problems.push(...crossVariableProblems(env), ...uploads.problems);
  if (!parsed.success || !uploads.config || problems.length > 0) throw new ConfigError(problems);

  const vars = parsed.data;
  const origins = vars.CORS_ORIGIN.split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);

  return {
    production: vars.NODE_ENV === 'production',
    port: vars.PORT,
    database: { url: vars.DATABASE_URL, ssl: vars.DATABASE_SSL, embeddedDir: vars.EMBEDDED_DB_DIR },
    jwt: { secret: vars.JWT_SECRET, expiresInSeconds: vars.JWT_EXPIRES_IN },
    bcryptRounds: vars.BCRYPT_ROUNDS,
    corsOrigins: origins.length === 0 || origins.includes('*') ? '*' : origins,
    bodyLimitBytes: vars.BODY_LIMIT,
    emailCheckDns: vars.EMAIL_CHECK_DNS,
    trustProxyHops: vars.TRUST_PROXY,
    rateLimit: {
      loginFailures: vars.LOGIN_RATE_LIMIT,
      windowSeconds: vars.RATE_LIMIT_WINDOW_S,
      apiPerMinute: vars.API_RATE_LIMIT,
    },
    redisUrl: vars.REDIS_URL,
    webConcurrency: vars.WEB_CONCURRENCY,
    logLevel: vars.LOG_LEVEL,
    migrateOnStart: vars.MIGRATE_ON_START,
    publicUrl: vars.PUBLIC_URL,
    uploads: uploads.config,
  };
}

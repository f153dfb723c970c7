import { ConfigError, loadConfig } from '../src/config';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  test('when nothing is set, then the contract\'s defaults apply', () => {
    expect(loadConfig({})).toEqual({
      production: false,
      port: 5000,
      database: { url: undefined, ssl: false, embeddedDir: './data/db' },
      jwt: { secret: undefined, expiresInSeconds: 86400 },
      bcryptRounds: 10,
      corsOrigins: '*',
      bodyLimitBytes: 102400,
      emailCheckDns: false,
      trustProxyHops: 0,
      rateLimit: { loginFailures: 10, windowSeconds: 900, apiPerMinute: 600 },
      redisUrl: undefined,
      webConcurrency: 1,
      logLevel: 'info',
      migrateOnStart: true,
      uploads: { dir: './data/uploads', maxBytes: 10 * 1024 * 1024, quotaBytes: 1024 ** 3 },
    });
  });

  test('when values are set, then they are parsed', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db.example:5432/app',
      DATABASE_SSL: 'true',
      JWT_SECRET: 's'.repeat(32),
      JWT_EXPIRES_IN: '15m',
      BCRYPT_ROUNDS: '12',
      CORS_ORIGIN: 'https://a.example, https://b.example',
      BODY_LIMIT: '1mb',
      TRUST_PROXY: '1',
      LOGIN_RATE_LIMIT: '0',
      REDIS_URL: 'redis://127.0.0.1:6379',
      WEB_CONCURRENCY: '2',
      LOG_LEVEL: 'warn',
      MIGRATE_ON_START: 'false',
      PUBLIC_URL: 'https://api.example.com/',
    });
    expect(config).toMatchObject({
      publicUrl: 'https://api.example.com',
      port: 8080,
      database: { url: 'postgres://u:p@db.example:5432/app', ssl: true },
      jwt: { expiresInSeconds: 900 },
      bcryptRounds: 12,
      corsOrigins: ['https://a.example', 'https://b.example'],
      bodyLimitBytes: 1048576,
      trustProxyHops: 1,
      rateLimit: { loginFailures: 0 },
      webConcurrency: 2,
      logLevel: 'warn',
      migrateOnStart: false,
    });
  });

  test.each([
    ['3600', 3600],
    ['90s', 90],
    ['24h', 86400],
    ['7d', 604800],
  ])('when JWT_EXPIRES_IN is %s, then tokens live %i seconds', (value, seconds) => {
    expect(loadConfig({ JWT_EXPIRES_IN: value }).jwt.expiresInSeconds).toBe(seconds);
  });

  test('when empty strings are set, then the defaults apply', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', JWT_SECRET: '' })).toMatchObject({ port: 5000, database: { url: undefined } });
  });

  test('when several values are wrong, then every problem is reported at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      BCRYPT_ROUNDS: '3',
      DATABASE_URL: 'mysql://x',
      JWT_EXPIRES_IN: 'forever',
      BODY_LIMIT: 'huge',
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'loud',
      DATABASE_SSL: 'maybe',
      JWT_SECRET: 'short',
      PUBLIC_URL: 'https://api.example.com/v1',
    });
    const variables = problems.map((problem) => problem.split(' ')[0]);
    expect(variables.sort()).toEqual(
      ['BCRYPT_ROUNDS', 'BODY_LIMIT', 'DATABASE_SSL', 'DATABASE_URL', 'JWT_EXPIRES_IN', 'JWT_SECRET', 'LOG_LEVEL', 'PORT', 'PUBLIC_URL', 'TRUST_PROXY'].sort(),
    );
  });

  test('when NODE_ENV=production has no JWT_SECRET, then the start is refused naming it', () => {
    expect(problemsOf({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x/y' })).toEqual([
      expect.stringMatching(/^JWT_SECRET is required when NODE_ENV=production/),
    ]);
  });

  test('when NODE_ENV=production has a short JWT_SECRET, then the start is refused', () => {
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(31) })).toEqual([
      'JWT_SECRET must be at least 32 characters long',
    ]);
  });

  test('when NODE_ENV=production has a 32-character secret, then it loads', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).production).toBe(true);
  });

  test('when WEB_CONCURRENCY is above 1 on the embedded database, then it is refused', () => {
    expect(problemsOf({ WEB_CONCURRENCY: '2' })).toEqual([expect.stringMatching(/^WEB_CONCURRENCY above 1 needs DATABASE_URL/)]);
  });
});

import { ConfigError, loadConfig } from '../../../src/config';

const loadUploadConfig = (env: NodeJS.ProcessEnv) => loadConfig(env).uploads;

const problemsOf = (load: () => unknown) => {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('upload settings', () => {
  test('when nothing is set, then files go to ./data/uploads, 10 MB each, 1 GB per user', () => {
    expect(loadUploadConfig({})).toEqual({ dir: './data/uploads', maxBytes: 10 * 1024 * 1024, quotaBytes: 1024 ** 3 });
  });

  test('when an S3 bucket is set, then the store is S3 with the given endpoint and path style', () => {
    expect(
      loadUploadConfig({
        UPLOAD_MAX_BYTES: '5mb',
        UPLOAD_QUOTA_BYTES: '200mb',
        S3_BUCKET: 'pics',
        S3_ENDPOINT: 'http://127.0.0.1:9000',
        S3_ACCESS_KEY_ID: 'key',
        S3_SECRET_ACCESS_KEY: 'secret',
        S3_FORCE_PATH_STYLE: 'true',
      }),
    ).toEqual({
      dir: './data/uploads',
      maxBytes: 5 * 1024 * 1024,
      quotaBytes: 200 * 1024 * 1024,
      s3: { bucket: 'pics', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', accessKeyId: 'key', secretAccessKey: 'secret', forcePathStyle: true },
    });
  });

  test('when settings are wrong, then each is reported, by loadConfig too, with the rest', () => {
    const env = { UPLOAD_MAX_BYTES: 'lots', S3_REGION: 'eu-west-1', BCRYPT_ROUNDS: '99' };
    expect(problemsOf(() => loadConfig(env))).toEqual([
      'BCRYPT_ROUNDS must be a whole number from 4 to 15',
      'UPLOAD_MAX_BYTES must be a size such as 100kb or 1mb',
    ]);
    expect(problemsOf(() => loadUploadConfig({ S3_REGION: 'eu-west-1' }))).toEqual(['S3_BUCKET is required when another S3_ variable is set']);
    expect(problemsOf(() => loadUploadConfig({ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k' }))).toEqual(['S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together']);
    expect(problemsOf(() => loadUploadConfig({ S3_ENDPOINT: 'ftp://x' }))[0]).toMatch(/^S3_ENDPOINT must be a URL/);
  });
});

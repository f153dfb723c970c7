import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
// s3rver ships no types; what these tests use of it is typed here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
};

export interface TestS3 {
  endpoint: string;
  bucket: string;
  dir: string;
  /** Every object key in the bucket. */
  keys(): string[];
  close(): Promise<void>;
}

/** A real S3-compatible server (s3rver) on 127.0.0.1, its bucket in a temporary directory. */
export async function startTestS3(bucket = 'picmetric-test'): Promise<TestS3> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    dir,
    keys: () =>
      (fs.readdirSync(path.join(dir, bucket), { recursive: true }) as string[])
        .filter((name) => name.endsWith('._S3rver_object'))
        .map((name) => name.slice(0, -'._S3rver_object'.length)),
    close: async () => {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

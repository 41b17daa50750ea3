// Shared by this feature's tests: a bucket of their own on the S3-compatible test server that
// scripts/services.sh runs (Versity S3 Gateway, which checks every request's SigV4 signature).
import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { CreateBucketCommand, DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';

export type S3TestServer = { endpoint: string; accessKeyId: string; secretAccessKey: string };

/** The test server from the environment; outside CI its absence skips the S3 tests (the reason is
 * printed), in CI it fails them: CI must test against a real server. */
export function s3TestServer(): S3TestServer | string {
  const { S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, CI } = process.env;
  if (S3_ENDPOINT && S3_ACCESS_KEY_ID && S3_SECRET_ACCESS_KEY) {
    return {
      endpoint: S3_ENDPOINT,
      accessKeyId: S3_ACCESS_KEY_ID,
      secretAccessKey: S3_SECRET_ACCESS_KEY,
    };
  }
  const why =
    'S3_ENDPOINT, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are not set: start the test S3 server ' +
    'with `scripts/services.sh up` and eval "$(scripts/services.sh env)"';
  if (CI) throw new Error(why);
  return `skipped: ${why}`;
}

const adminClient = (server: S3TestServer) =>
  new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });

/** A new empty bucket and the settings that point the app at it; drop() removes it with its
 * objects. */
export async function testBucket(server: S3TestServer) {
  const bucket = `test-${randomBytes(6).toString('hex')}`;
  const client = adminClient(server);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const env = {
    STORAGE_DRIVER: 's3',
    STORAGE_S3_ENDPOINT: server.endpoint,
    STORAGE_S3_BUCKET: bucket,
    STORAGE_S3_ACCESS_KEY_ID: server.accessKeyId,
    STORAGE_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    STORAGE_S3_FORCE_PATH_STYLE: 'true',
  };
  return {
    bucket,
    env,
    async drop(emptyIt: () => Promise<void>) {
      await emptyIt();
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
    },
  };
}

/** A valid PNG of `width` x 1 grey pixels, `padding` bytes of text chunk making it larger. */
export function testPng(width = 1, padding = 0) {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(1, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width, 0x80)]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    ...(padding > 0 ? [chunk('tEXt', Buffer.from(`pad\0${'x'.repeat(padding)}`))] : []),
    chunk('IDAT', deflateSync(row)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

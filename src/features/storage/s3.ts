import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type { Config } from '../../core/config/config.ts';
import { ConfigError } from '../../core/config/config.ts';
import {
  assertKey,
  assertPrefix,
  dispositionHeader,
  NotFoundError,
  type Storage,
  type StoredObject,
  sizeLimit,
} from './storage.ts';

// The AWS SDK v3 weighs ~20 MB of memory and ~100 ms to load: a process that never touches a file
// must not pay for it (bench/README.md budgets idle memory and cold starts), so it is loaded with
// the first call. docs/decisions/0120.
const require = createRequire(import.meta.url);
type S3Sdk = typeof import('@aws-sdk/client-s3');
type Sdk = {
  s3: S3Sdk;
  client: import('@aws-sdk/client-s3').S3Client;
  Upload: typeof import('@aws-sdk/lib-storage').Upload;
  getSignedUrl: typeof import('@aws-sdk/s3-request-presigner').getSignedUrl;
};

// Uploads go in parts of this size (S3's minimum): memory per upload stays bounded whatever the
// file's size, and a file smaller than one part is a single PutObject.
const PART_SIZE = 5 * 1024 * 1024;

/** The S3 settings, checked together: the schema checks each one alone. */
export function s3Problems(config: Config): string[] {
  const problems: string[] = [];
  if (!config.STORAGE_S3_BUCKET) {
    problems.push('STORAGE_S3_BUCKET: required with STORAGE_DRIVER=s3. Fix: set the bucket name.');
  }
  if (Boolean(config.STORAGE_S3_ACCESS_KEY_ID) !== Boolean(config.STORAGE_S3_SECRET_ACCESS_KEY)) {
    problems.push(
      'STORAGE_S3_ACCESS_KEY_ID, STORAGE_S3_SECRET_ACCESS_KEY: set both or neither (neither: the ' +
        'AWS SDK finds credentials in its usual places).',
    );
  }
  return problems;
}

export function s3Storage(config: Config, onClose: (close: () => void) => void): Storage {
  const problems = s3Problems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  const Bucket = config.STORAGE_S3_BUCKET as string;
  let sdk: Sdk | undefined;
  const load = (): Sdk => {
    if (sdk) return sdk;
    const s3 = require('@aws-sdk/client-s3') as S3Sdk;
    const client = new s3.S3Client({
      region: config.STORAGE_S3_REGION,
      forcePathStyle: config.STORAGE_S3_FORCE_PATH_STYLE,
      ...(config.STORAGE_S3_ENDPOINT ? { endpoint: config.STORAGE_S3_ENDPOINT } : {}),
      ...(config.STORAGE_S3_ACCESS_KEY_ID && config.STORAGE_S3_SECRET_ACCESS_KEY
        ? {
            credentials: {
              accessKeyId: config.STORAGE_S3_ACCESS_KEY_ID,
              secretAccessKey: config.STORAGE_S3_SECRET_ACCESS_KEY,
            },
          }
        : {}),
      // Checksums only where S3 requires them: the SDK's default CRC32 trailers on streamed
      // uploads are refused by some S3-compatible services (older MinIO and others).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    onClose(() => client.destroy());
    sdk = {
      s3,
      client,
      Upload: (require('@aws-sdk/lib-storage') as typeof import('@aws-sdk/lib-storage')).Upload,
      getSignedUrl: (
        require('@aws-sdk/s3-request-presigner') as typeof import('@aws-sdk/s3-request-presigner')
      ).getSignedUrl,
    };
    return sdk;
  };

  return {
    async put(key, body, { contentType, maxBytes }) {
      assertKey(key);
      const { client, Upload } = load();
      const limit = sizeLimit(maxBytes);
      // The limit fails the stream the SDK reads, which aborts the upload (and its parts).
      body.once('error', (error) => limit.destroy(error));
      body.pipe(limit);
      const upload = new Upload({
        client,
        params: { Bucket, Key: key, Body: limit, ContentType: contentType },
        partSize: PART_SIZE,
        queueSize: 1,
        leavePartsOnError: false,
      });
      await upload.done();
      return { size: limit.bytes() };
    },

    async get(key) {
      assertKey(key);
      const { s3, client } = load();
      try {
        const object = await client.send(new s3.GetObjectCommand({ Bucket, Key: key }));
        return {
          body: object.Body as Readable,
          contentType: object.ContentType ?? 'application/octet-stream',
          size: object.ContentLength ?? 0,
        };
      } catch (error) {
        if (error instanceof s3.NoSuchKey || (error as Error).name === 'NotFound') {
          throw new NotFoundError(key);
        }
        throw error;
      }
    },

    async delete(key) {
      assertKey(key);
      const { s3, client } = load();
      await client.send(new s3.DeleteObjectCommand({ Bucket, Key: key }));
    },

    async signedUrl(key, { expiresInSeconds, filename, disposition = 'attachment' }) {
      assertKey(key);
      const { s3, client, getSignedUrl } = load();
      // The bucket sends these headers with the file: it downloads (or shows, for inline) under
      // this name, and from the bucket's origin, never as one of this app's pages.
      const command = new s3.GetObjectCommand({
        Bucket,
        Key: key,
        ResponseContentDisposition: dispositionHeader(filename, disposition),
      });
      return getSignedUrl(client, command, { expiresIn: expiresInSeconds });
    },

    async *list(prefix) {
      assertPrefix(prefix);
      const { s3, client } = load();
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(
          new s3.ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }),
        );
        for (const object of page.Contents ?? []) {
          if (!object.Key) continue;
          yield {
            key: object.Key,
            size: object.Size ?? 0,
            lastModified: object.LastModified ?? new Date(0),
          } satisfies StoredObject;
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },
  };
}

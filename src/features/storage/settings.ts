import { z } from 'zod';
import { boolean, type Settings, type SettingsOf } from '../../core/config/config.ts';

// Where uploaded files live: a folder on this machine (development, one-host deployments with a
// volume) or any S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, Backblaze B2...).
export const storageSettings = {
  STORAGE_DRIVER: z
    .enum(['local', 's3'])
    .default('local')
    .describe('"local" (files in STORAGE_DIR) or "s3" (an S3-compatible bucket: STORAGE_S3_*).'),
  STORAGE_DIR: z
    .string()
    .min(1)
    .default('.data/storage')
    .describe(
      'Folder for uploaded files with STORAGE_DRIVER=local, relative to the project or absolute; ' +
        'in a container, put it on a volume.',
    ),
  STORAGE_S3_ENDPOINT: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'S3 API endpoint, e.g. https://<account>.r2.cloudflarestorage.com or http://127.0.0.1:9000; ' +
        'leave unset for AWS S3.',
    ),
  STORAGE_S3_REGION: z
    .string()
    .min(1)
    .default('us-east-1')
    .describe('Region of the bucket, e.g. eu-west-1 (Cloudflare R2: auto).'),
  STORAGE_S3_BUCKET: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'must be a bucket name (3-63 lowercase characters)',
    )
    .optional()
    .describe('Bucket name, e.g. acme-uploads; required with STORAGE_DRIVER=s3.'),
  STORAGE_S3_ACCESS_KEY_ID: z
    .string()
    .min(1)
    .optional()
    .describe('Access key id; unset: the AWS SDK looks in its usual places (environment, role).'),
  STORAGE_S3_SECRET_ACCESS_KEY: z
    .string()
    .min(1)
    .optional()
    .describe('Secret access key that goes with STORAGE_S3_ACCESS_KEY_ID.'),
  STORAGE_S3_FORCE_PATH_STYLE: boolean
    .default(false)
    .describe(
      '"true" to address the bucket in the path (http://host/bucket/key), as MinIO and most ' +
        'self-hosted servers need; "false" for bucket.host.',
    ),
} satisfies Settings;

declare module '../../core/config/config.ts' {
  interface Config extends SettingsOf<typeof storageSettings> {}
}

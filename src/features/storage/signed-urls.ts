import { constantTimeEqual, type SigningKey } from '../../core/auth/signing-key.ts';
import type { SignedUrlOptions } from './storage.ts';

// Links to files on the local disk, signed like S3's presigned URLs: the key, the expiry and how
// the file is sent are under an HMAC with the app's signing key, so a link cannot be changed to
// reach another file or live longer. routes.ts serves them.
export const DOWNLOAD_PREFIX = '/storage/';

export type Download = { key: string; filename: string; disposition: 'inline' | 'attachment' };

const payload = (key: string, expires: string, disposition: string, filename: string) =>
  [key, expires, disposition, filename].join('\n');

export async function signDownload(
  signingKey: SigningKey,
  key: string,
  { expiresInSeconds, filename, disposition = 'attachment' }: SignedUrlOptions,
) {
  await signingKey.ready();
  const expires = String(Math.floor(Date.now() / 1000) + expiresInSeconds);
  const signature = signingKey.hmac('storage', payload(key, expires, disposition, filename));
  const query = new URLSearchParams({ expires, disposition, filename, signature });
  const path = key.split('/').map(encodeURIComponent).join('/');
  return `${DOWNLOAD_PREFIX}${path}?${query}`;
}

/** The download a link asks for, or undefined when it was altered or has expired. */
export function verifyDownload(
  signingKey: SigningKey,
  key: string,
  query: Record<string, string | string[] | undefined>,
): Download | undefined {
  const { expires, disposition, filename, signature } = query;
  if (
    typeof expires !== 'string' ||
    typeof filename !== 'string' ||
    typeof signature !== 'string' ||
    (disposition !== 'inline' && disposition !== 'attachment')
  ) {
    return undefined;
  }
  const expected = signingKey.hmac('storage', payload(key, expires, disposition, filename));
  if (!constantTimeEqual(signature, expected)) return undefined;
  if (!/^\d{1,12}$/.test(expires) || Number(expires) * 1000 < Date.now()) return undefined;
  return { key, filename, disposition };
}

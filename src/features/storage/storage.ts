import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import contentDisposition from 'content-disposition';

// The one interface every provider implements (local.ts, s3.ts); tests/contract.ts holds both to
// it. Keys are made by the app, never taken from a request: see KEY_FORMAT.

export type PutOptions = {
  /** Stored with the object and sent back on download: the type the bytes were checked to be. */
  contentType: string;
  /** The upload fails with TooLargeError, and nothing is stored, past this many bytes. */
  maxBytes: number;
};

export type StoredObject = { key: string; size: number; lastModified: Date };

export type StoredFile = { body: Readable; contentType: string; size: number };

export type SignedUrlOptions = {
  /** Seconds the link works. */
  expiresInSeconds: number;
  /** File name the browser saves it as. */
  filename: string;
  /** "inline" lets the browser show it (an image), "attachment" (the default) downloads it. */
  disposition?: 'inline' | 'attachment';
};

export interface Storage {
  /** Streams `body` to `key`, replacing what was there. Rejects (storing nothing) when it is longer
   * than `maxBytes` or the stream fails. */
  put(key: string, body: Readable, options: PutOptions): Promise<{ size: number }>;
  /** The object as a stream; NotFoundError when there is none. */
  get(key: string): Promise<StoredFile>;
  /** Removes the object; removing a missing one is no error. */
  delete(key: string): Promise<void>;
  /** A link that downloads the object until it expires: absolute for S3, a path on this app for
   * the local disk (served by routes.ts). */
  signedUrl(key: string, options: SignedUrlOptions): Promise<string>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<StoredObject>;
}

// Segments of letters, digits, ".", "-" and "_", never starting with ".", so no ".." or empty
// segment, absolute path or backslash can ever reach a file system or a bucket. A segment may
// start with "-" or "_": the app's random ids (base64url) do, one in 32.
export const KEY_FORMAT = /^[\w-][\w.-]*(\/[\w-][\w.-]*)*$/;
const KEY_MAX = 512;

export function assertKey(key: string) {
  if (key.length > KEY_MAX || !KEY_FORMAT.test(key)) {
    throw new TypeError(`invalid storage key ${JSON.stringify(key.slice(0, 80))}`);
  }
}

/** A prefix is a key or its beginning (possibly ending with "/"), or empty for everything. */
export function assertPrefix(prefix: string) {
  if (prefix !== '') assertKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

export class NotFoundError extends Error {
  readonly status = 404;
  constructor(key: string) {
    super(`no stored object ${key}`);
    this.name = 'NotFoundError';
  }
}

export class TooLargeError extends Error {
  readonly status = 413;
  readonly maxBytes: number;
  constructor(maxBytes: number) {
    super(`upload is larger than ${maxBytes} bytes`);
    this.name = 'TooLargeError';
    this.maxBytes = maxBytes;
  }
}

/** Counts the bytes passing through and fails with TooLargeError past `maxBytes`, so a provider
 * stops reading (and stores nothing) as soon as an upload is too long. */
export function sizeLimit(maxBytes: number) {
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) callback(new TooLargeError(maxBytes));
      else callback(null, chunk);
    },
  });
  return Object.assign(counter, { bytes: () => size });
}

/** `Content-Disposition` in ASCII, the name also in UTF-8 (filename*) when it is not ASCII: a
 * header of other bytes reads differently in different browsers. */
export const dispositionHeader = (filename: string, type: 'inline' | 'attachment') =>
  contentDisposition(filename, { type, fallback: filename.replace(/[^\x20-\x7e]/g, '_') });

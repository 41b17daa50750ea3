import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type { Context } from 'koa';

// A file upload read from a multipart/form-data request as it arrives: nothing is buffered whole.
// The file's type is what its first bytes say (file-type reads the magic numbers), never the name
// or the type the browser sent; the size limit is enforced by the storage while it writes.
// busboy parses the request (docs/decisions/0121); both libraries load with the first upload.
const require = createRequire(import.meta.url);

export type UploadRules = {
  /** The form field that carries the file; other files are skipped. */
  field: string;
  /** Types the bytes may be, e.g. image/png. */
  types: readonly string[];
  maxBytes: number;
};

export type Upload = { stream: Readable; contentType: string };

export class UploadError extends Error {
  readonly status: 400 | 413 | 415;
  readonly reason: 'missing' | 'too-large' | 'type' | 'malformed';
  constructor(status: UploadError['status'], reason: UploadError['reason']) {
    super(`upload refused: ${reason}`);
    this.name = 'UploadError';
    this.status = status;
    this.reason = reason;
  }
}

// Form fields besides the file (the CSRF token travels in a header) are few and short.
const limits = { files: 1, fields: 8, fieldSize: 1024, parts: 10, headerPairs: 100 };
// What the multipart framing around one file may add to its size.
const FRAMING_BYTES = 16 * 1024;
// file-type needs at most this many bytes to recognise the image types we accept.
const SAMPLE_BYTES = 4100;
// A refused upload's remaining bytes are read and dropped up to this much, so that the browser
// gets the answer (a connection closed while it sends shows as a network error); past it, the
// connection is closed. Node's requestTimeout bounds how long that takes.
const DISCARD_MAX_BYTES = 64 * 1024 * 1024;

function discardRest(ctx: Context, alreadyDeclared = 0) {
  if (alreadyDeclared > DISCARD_MAX_BYTES) {
    ctx.set('Connection', 'close');
    return;
  }
  let seen = 0;
  ctx.req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DISCARD_MAX_BYTES) ctx.req.socket.destroy();
  });
  ctx.req.resume();
}

/**
 * Reads the request's file and hands it to `store` as it streams in, once its first bytes show an
 * allowed type. Rejects with UploadError (missing file, wrong type, declared too large) or with
 * what `store` rejects with (the storage's TooLargeError); what is left of a refused request is
 * dropped unread.
 */
export async function receiveFile<T>(
  ctx: Context,
  rules: UploadRules,
  store: (upload: Upload) => Promise<T>,
): Promise<T> {
  if (!ctx.is('multipart/form-data')) throw new UploadError(400, 'malformed');
  const declared = Number(ctx.get('Content-Length'));
  if (declared > rules.maxBytes + FRAMING_BYTES) {
    discardRest(ctx, declared);
    throw new UploadError(413, 'too-large');
  }
  const busboy = require('busboy') as typeof import('busboy');
  const { fileTypeStream } = await import('file-type');
  let parser: ReturnType<typeof busboy>;
  try {
    parser = busboy({ headers: ctx.req.headers, limits });
  } catch {
    throw new UploadError(400, 'malformed'); // no boundary, say
  }

  return new Promise<T>((resolve, reject) => {
    let stored: Promise<T> | undefined;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return; // the parser may fail too once its file stream is gone
      failed = true;
      ctx.req.unpipe(parser);
      discardRest(ctx);
      reject(error);
    };
    parser.on('file', (name, file) => {
      if (name !== rules.field || stored) {
        file.resume();
        return;
      }
      stored = (async () => {
        const typed = await fileTypeStream(file, { sampleSize: SAMPLE_BYTES });
        const contentType = typed.fileType?.mime;
        if (!contentType || !rules.types.includes(contentType)) {
          throw new UploadError(415, 'type');
        }
        return store({ stream: typed, contentType });
      })();
      stored.then(resolve, fail);
    });
    parser.on('error', () => fail(new UploadError(400, 'malformed')));
    parser.on('close', () => {
      if (!stored) reject(new UploadError(400, 'missing'));
    });
    ctx.req.pipe(parser);
  });
}

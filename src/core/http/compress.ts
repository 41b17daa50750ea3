import { brotliCompressSync, constants, crc32, deflateRawSync, gzipSync } from 'node:zlib';
import type { Context, Middleware } from 'koa';

const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml)|image\/svg\+xml)/;
const THRESHOLD = 1024;
const CACHE_ENTRIES = 256;
const CACHE_MAX_BODY = 64 * 1024; // characters

type Encoding = 'br' | 'gzip';

function windowBits(size: number) {
  return Math.max(10, Math.min(15, Math.ceil(Math.log2(size))));
}

function compress(encoding: Encoding, input: string | Buffer): Buffer {
  const size = Buffer.byteLength(input);
  // The window is sized to the body, so a 3 KB page does not set up zlib's 256 KB default state.
  // gzip level 1: on a per-visitor page it served 16% more requests than level 6 for 3% more
  // bytes (1,542 vs 1,491 B on the sign-in form); cached pages pay once either way.
  const bits = windowBits(size);
  if (encoding === 'gzip')
    return gzipSync(input, { level: 1, windowBits: bits, memLevel: Math.max(1, bits - 7) });
  return brotliCompressSync(input, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 4,
      [constants.BROTLI_PARAM_LGWIN]: bits,
      [constants.BROTLI_PARAM_SIZE_HINT]: size,
    },
  });
}

// Browsers send a handful of distinct Accept-Encoding values; the choice depends on nothing else,
// so it is negotiated once per value. `gzip` says whether the client takes gzip at all, for pages
// that are only cheap to compress as gzip (see visitorGzip).
const NEGOTIATED_ENTRIES = 64;
type Negotiated = { best: Encoding | undefined; gzip: boolean };
const negotiated = new Map<string | undefined, Negotiated>();

function encodingsFor(ctx: Context): Negotiated {
  const header = ctx.req.headers['accept-encoding'];
  let choice = negotiated.get(header);
  if (choice) return choice;
  const best = ctx.acceptsEncodings('br', 'gzip', 'identity');
  choice = {
    best: best === 'br' || best === 'gzip' ? best : undefined,
    gzip: ctx.acceptsEncodings('gzip', 'identity') === 'gzip',
  };
  if (negotiated.size >= NEGOTIATED_ENTRIES) negotiated.clear();
  negotiated.set(header, choice);
  return choice;
}

/**
 * Marks `value` (a CSRF token, say) as the part of this response's body that differs per
 * visitor, so the rest of the page can still come from the compression cache.
 */
export function visitorPart(ctx: Context, value: string) {
  ctx.state.visitorParts ??= [];
  const parts: string[] = ctx.state.visitorParts;
  if (value && !parts.includes(value)) parts.push(value);
}

// A gzip member whose deflate stream is put together from pieces (RFC 1951, 1952): each constant
// piece of the page is deflated once, flushed to a byte boundary and cached; each visitor's part
// (a 43-character token) goes in as a stored block of its own; an empty final block ends it. Only
// the CRC-32 of the whole body is computed per request. The pieces cannot refer back to each
// other, which costs ~8% of the bytes on the sign-in form (1,672 vs 1,542 B), and saves the
// per-request deflate that was most of a first visit's cost (docs/decisions/0093).
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
const FINAL_BLOCK = Buffer.from([1, 0, 0, 0xff, 0xff]);
const STORED_MAX = 0xffff;

type Piece = { deflated: Buffer; bytes: Buffer };

// Cached values keyed by exact text, looked up by length first. The texts are freshly rendered
// pages and fresh slices of them: a Map would hash every character of each one per request (V8
// caches a string's hash, but these strings are new each time), while comparing with the one or
// two entries of the same length reads them once, and stops at the first difference. A length
// keeps its newest few entries, so pages that differ late (a name in the footer) and share a
// length cost a few comparisons, not hundreds. Cleared whole when full.
const SAME_LENGTH_ENTRIES = 4;

class TextCache<T> {
  #byLength = new Map<number, { text: string; value: T }[]>();
  #size = 0;

  get(text: string) {
    return this.#byLength.get(text.length)?.find((entry) => entry.text === text)?.value;
  }

  set(text: string, value: T) {
    if (this.#size >= CACHE_ENTRIES) {
      this.#byLength.clear();
      this.#size = 0;
    }
    const entry = { text, value };
    const same = this.#byLength.get(text.length);
    if (!same) this.#byLength.set(text.length, [entry]);
    else {
      if (same.length >= SAME_LENGTH_ENTRIES) {
        same.shift();
        this.#size--;
      }
      same.push(entry);
    }
    this.#size++;
  }
}

function storedBlock(bytes: Buffer) {
  const header = Buffer.allocUnsafe(5);
  header[0] = 0;
  header.writeUInt16LE(bytes.length, 1);
  header.writeUInt16LE(~bytes.length & 0xffff, 3);
  return header;
}

function visitorGzip(body: string, parts: string[], pieces: TextCache<Piece>) {
  const chunks: Buffer[] = [GZIP_HEADER];
  let crc = 0;
  let length = 0;
  const add = (bytes: Buffer, ...deflated: Buffer[]) => {
    chunks.push(...deflated);
    crc = crc32(bytes, crc);
    length += bytes.length;
  };
  const constant = (text: string) => {
    let piece = pieces.get(text);
    if (!piece) {
      const bytes = Buffer.from(text);
      const bits = windowBits(bytes.length);
      const deflated = deflateRawSync(bytes, {
        level: 1,
        windowBits: bits,
        memLevel: Math.max(1, bits - 7),
        finishFlush: constants.Z_SYNC_FLUSH,
      });
      piece = { deflated, bytes };
      pieces.set(text, piece);
    }
    add(piece.bytes, piece.deflated);
  };
  for (let from = 0; ; ) {
    let at = -1;
    let part = '';
    for (const candidate of parts) {
      const index = body.indexOf(candidate, from);
      if (index !== -1 && (at === -1 || index < at)) [at, part] = [index, candidate];
    }
    if (at === -1) {
      constant(body.slice(from));
      break;
    }
    constant(body.slice(from, at));
    const bytes = Buffer.from(part);
    add(bytes, storedBlock(bytes), bytes);
    from = at + part.length;
  }
  const trailer = Buffer.allocUnsafe(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length >>> 0, 4);
  chunks.push(FINAL_BLOCK, trailer);
  return Buffer.concat(chunks);
}

// Compresses buffered responses (HTML, JSON) in one synchronous call. Our dynamic responses are
// small and fully buffered; a zlib stream per response (what koa-compress does) costs more in
// setup, allocations and ticks than the compression itself, which we measured at a third of the
// throughput of a page. Compressing a small body still costs ~15 µs of zlib setup, so results are
// kept in a small content-addressed cache: a page that many visitors get byte for byte (a landing
// page, an anonymous view) is compressed once, while a page that differs per request simply misses.
// A page that differs per visitor only in parts marked with visitorPart() (the sign-in form's
// CSRF token) is put together from cached pieces as gzip. Keyed by the exact text, the caches can
// never serve a stale or another user's response. Streams and encoded bodies pass untouched.
export function compressResponses(): Middleware {
  const caches: Record<Encoding, TextCache<Buffer>> = {
    br: new TextCache(),
    gzip: new TextCache(),
  };
  const pieces = new TextCache<Piece>();
  return async function compressResponses(ctx, next) {
    await next();
    let { body } = ctx;
    if (body == null || ctx.method === 'HEAD' || ctx.response.get('Content-Encoding')) return;
    if (typeof body === 'object' && !Buffer.isBuffer(body)) {
      if (typeof (body as { pipe?: unknown }).pipe === 'function') return;
      body = JSON.stringify(body);
    }
    const input = body as string | Buffer;
    // A string has at least as many UTF-8 bytes as UTF-16 units: only a short one is measured.
    if (input.length < THRESHOLD && Buffer.byteLength(input) < THRESHOLD) return;
    if (!COMPRESSIBLE.test(ctx.response.type)) return;
    ctx.vary('Accept-Encoding');
    const accepted = encodingsFor(ctx);
    if (!accepted.best) return;
    const cacheable = typeof input === 'string' && input.length <= CACHE_MAX_BODY;
    const parts: string[] | undefined = ctx.state.visitorParts;
    if (
      cacheable &&
      parts?.every((part) => Buffer.byteLength(part) <= STORED_MAX) &&
      accepted.gzip
    ) {
      ctx.set('Content-Encoding', 'gzip');
      ctx.body = visitorGzip(input, parts, pieces);
      return;
    }
    const encoding = accepted.best;
    let output: Buffer | undefined;
    // A response that sets a cookie is one visitor's: it would only push pages that repeat out
    // of the cache.
    if (cacheable && !ctx.response.get('Set-Cookie')) {
      const cache = caches[encoding];
      output = cache.get(input);
      if (!output) {
        output = compress(encoding, input);
        cache.set(input, output);
      }
    } else {
      output = compress(encoding, input);
    }
    ctx.set('Content-Encoding', encoding);
    ctx.body = output;
  };
}

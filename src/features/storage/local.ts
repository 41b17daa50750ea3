import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { SigningKey } from '../../core/auth/signing-key.ts';
import { signDownload } from './signed-urls.ts';
import {
  assertKey,
  assertPrefix,
  NotFoundError,
  type Storage,
  type StoredObject,
  sizeLimit,
} from './storage.ts';

const isMissing = (error: unknown) => (error as { code?: string }).code === 'ENOENT';

// Files in a folder: <dir>/files/<key> holds the bytes, <dir>/meta/<key>.json what was stored with
// them. An upload goes to <dir>/tmp first and is renamed into place once complete, so a reader
// never sees half a file and a failed upload leaves nothing. Links are signed paths on this app
// (signed-urls.ts), served by routes.ts.
export function diskStorage(dir: string, signingKey: SigningKey): Storage {
  const filePath = (key: string) => join(dir, 'files', key);
  const metaPath = (key: string) => join(dir, 'meta', `${key}.json`);

  return {
    async put(key, body, { contentType, maxBytes }) {
      assertKey(key);
      const temporary = join(dir, 'tmp', randomUUID());
      await mkdir(dirname(temporary), { recursive: true });
      const limit = sizeLimit(maxBytes);
      try {
        await pipeline(body, limit, createWriteStream(temporary, { flags: 'wx' }));
        await mkdir(dirname(filePath(key)), { recursive: true });
        await mkdir(dirname(metaPath(key)), { recursive: true });
        await writeFile(metaPath(key), JSON.stringify({ contentType }));
        await rename(temporary, filePath(key));
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      return { size: limit.bytes() };
    },

    async get(key) {
      assertKey(key);
      try {
        const meta = JSON.parse(await readFile(metaPath(key), 'utf8')) as { contentType: string };
        const handle = await open(filePath(key));
        const { size } = await handle.stat().catch(async (error) => {
          await handle.close();
          throw error;
        });
        // The stream closes the file when it ends or is destroyed.
        return { body: handle.createReadStream(), contentType: meta.contentType, size };
      } catch (error) {
        if (isMissing(error)) throw new NotFoundError(key);
        throw error;
      }
    },

    async delete(key) {
      assertKey(key);
      await rm(filePath(key), { force: true });
      await rm(metaPath(key), { force: true });
    },

    signedUrl(key, options) {
      assertKey(key);
      return signDownload(signingKey, key, options);
    },

    async *list(prefix) {
      assertPrefix(prefix);
      const root = join(dir, 'files');
      // Only the folder the prefix names is walked, not every stored file.
      const from = join(root, prefix.slice(0, prefix.lastIndexOf('/') + 1));
      const entries = await readdir(from, { recursive: true, withFileTypes: true }).catch(
        (error) => {
          if (isMissing(error) || (error as { code?: string }).code === 'ENOTDIR') return [];
          throw error;
        },
      );
      const keys = entries
        .filter((entry) => entry.isFile())
        .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
        .filter((key) => key.startsWith(prefix))
        .sort();
      for (const key of keys) {
        const info = await stat(filePath(key)).catch((error) => {
          if (isMissing(error)) return undefined; // deleted meanwhile
          throw error;
        });
        if (info) yield { key, size: info.size, lastModified: info.mtime } satisfies StoredObject;
      }
    },
  };
}

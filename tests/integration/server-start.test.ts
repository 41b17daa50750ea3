// The server process refuses to start, with one clear fatal line and exit 1, when what it needs is
// missing: a database it can reach, the built assets.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import { requireEnv, withDatabase } from '../helpers/env.ts';
import { freePort } from '../helpers/processes.ts';
import { copyProject } from '../helpers/project-copy.ts';
import { startServerProcess } from '../helpers/server-process.ts';

describe('the server process at start', () => {
  test('with an unreachable database: exits 1 naming it, password masked', async () => {
    const url = `mongodb://app:secret@127.0.0.1:${await freePort()}/test_unreachable`;
    await assert.rejects(startServerProcess({ MONGODB_URL: url }), (error: Error) => {
      assert.match(error.message, /exited with 1 before listening/);
      assert.match(error.message, /cannot reach MongoDB at mongodb:\/\/\*\*\*@127\.0\.0\.1:\d+/);
      assert.doesNotMatch(error.message, /secret/);
      return true;
    });
  });

  test('without the built assets: exits 1 saying to run npm run build', async () => {
    // A copy of the project that was never built (public/build is not in git).
    const dir = copyProject();
    try {
      await assert.rejects(
        startServerProcess(
          { MONGODB_URL: withDatabase(requireEnv('MONGODB_URL'), 'test_unbuilt') },
          { cwd: dir, entry: `${dir}/src/server.ts` },
        ),
        (error: Error) => {
          assert.match(error.message, /exited with 1 before listening/);
          assert.match(error.message, /Built assets not found in .*Run \\"npm run build\\"/);
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

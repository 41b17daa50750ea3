// A local image registry (Debian's docker-registry) on a free loopback port, for the suite alone:
// releases are pushed to it and the host pulls from it, by digest. Stopping it proves rollback
// needs no registry.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './host.ts';
import { run, startServer } from './run.ts';

export async function startRegistry() {
  const dir = mkdtempSync('/tmp/gw-registry-');
  const port = await freePort();
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\nlog:\n  level: error\n  accesslog:\n    disabled: true\n`,
  );
  const serve = () =>
    startServer('docker-registry', ['serve', join(dir, 'config.yml')], join(dir, 'registry.log'));
  let server = serve();
  const up = async () => {
    for (let i = 0; i < 100; i++) {
      if (run('curl', ['-fs', `http://127.0.0.1:${port}/v2/`], { check: false }).code === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the registry did not start: ${server.log()}`);
  };
  await up();
  return {
    address: `127.0.0.1:${port}`,
    async stop() {
      server.child.kill();
      await server.done;
    },
    async restart() {
      server = serve();
      await up();
    },
    async close() {
      server.child.kill();
      await server.done;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

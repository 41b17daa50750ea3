// `npm run build`: the assets (`npm run build:assets`: CSS, JS, compiled views), then, where Docker
// is present, a check that the production image still builds (`docker build`, progress shown,
// tagged <slug>:build-check so that repeated checks replace one image). Without Docker, or with
// its daemon down, it says so and skips the check: a skip is not a failure. `--no-image` skips
// it on purpose.
import { spawn, spawnSync } from 'node:child_process';
import { rootDir } from '../src/core/config/paths.ts';
import { project } from '../src/project.ts';
import { buildAssets } from './build-assets.ts';
import { which } from './which.ts';

export const IMAGE_TAG = `${project.slug}:build-check`;

export type ImageCheck =
  | { ran: false; reason: string }
  | { ran: true; ok: boolean; command: string; args: string[] };

export async function checkImage(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.log,
): Promise<ImageCheck> {
  const docker = which('docker', env);
  if (!docker) return { ran: false, reason: 'Docker is not installed (no docker on the PATH)' };
  const info = spawnSync(docker, ['info', '--format', '{{.ServerVersion}}'], {
    env,
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (info.status !== 0) {
    return {
      ran: false,
      reason: 'Docker is installed but its daemon is not answering (docker info failed)',
    };
  }
  const args = ['build', '--tag', IMAGE_TAG, rootDir];
  log(`[build] checking the image: docker ${args.join(' ')}`);
  const build = spawn(docker, args, { env, stdio: 'inherit', cwd: rootDir });
  const code = await new Promise<number>((resolve) => {
    build.on('exit', (status) => resolve(status ?? 1));
    build.on('error', () => resolve(1));
  });
  return { ran: true, ok: code === 0, command: docker, args };
}

if (import.meta.main) {
  const started = performance.now();
  const manifest = await buildAssets();
  const urls = Object.values(manifest).map(({ url }) => url);
  console.log(`[build] assets ${urls.join(', ')} in ${Math.round(performance.now() - started)} ms`);
  if (process.argv.includes('--no-image')) {
    console.log('[build] image check skipped (--no-image)');
  } else {
    const check = await checkImage();
    if (!check.ran) console.log(`[build] image check skipped: ${check.reason}`);
    else if (check.ok) console.log(`[build] the image builds (${IMAGE_TAG})`);
    else {
      console.error('[build] the image does not build (docker build failed, see above)');
      process.exit(1);
    }
  }
}

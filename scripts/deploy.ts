// `npm run deploy -- <version>`, `npm run rollback -- [<version>]`, `npm run deploy:status`: the
// same host script the deploy workflow runs, from a laptop, under the same SSH rules. Settings come
// from the environment or .env.deploy (README "Deploy").
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rootDir } from '../src/core/config/paths.ts';
import { hostCommand, platformOf, readSettings, Ssh } from './deploy/remote.ts';
import { readTarget, TargetError } from './deploy/target.ts';

const HELP = `Usage:
  npm run deploy -- <version> [--image <reference>]   deploy a released version (e.g. 1.2.0)
  npm run rollback -- [<version>]                     switch back (default: the previous version)
  npm run deploy:status                               what runs on the host, what is kept
  npm run db:backup                                   back up the database on the host
  npm run db:restore -- <name>.bson.gz                restore one of the host's backups

--target swarm: deploy, roll back or show the Docker Swarm stack (deploy/swarm/) through a Swarm
manager at DEPLOY_HOST instead of the one-host deploy (default: --target host).

Settings (environment, or .env.deploy in the project folder):
  DEPLOY_HOST         user@host
  DEPLOY_KNOWN_HOSTS  the host's known_hosts line(s): the key is pinned, never learnt now
  DEPLOY_PORT         SSH port (default 22)
  DEPLOY_PATH         folder on the host (default /srv/<slug>)
  DEPLOY_SSH_KEY      private key file (default: ssh's own choice)
  DEPLOY_ENV_FILE     .env.production to send (needed once; later deploys keep the host's)

--image defaults to <the image in compose.prod.yml>:<version>.
`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      image: { type: 'string' },
      target: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const envFile = join(rootDir, '.env.deploy');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  const target = readTarget();
  if (!['deploy', 'rollback', 'status', 'backup', 'restore'].includes(command))
    throw new TargetError(`Unknown command "${command}".\n\n${HELP}`);
  const platform = platformOf(values.target);
  const args = hostCommand(
    command as Parameters<typeof hostCommand>[0],
    rest[0],
    values.image,
    platform,
  );
  const ssh = new Ssh(target, platform);
  try {
    await ssh.upload();
    const { code } = await ssh.run(args, { settings: readSettings(target) });
    return code;
  } finally {
    ssh.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof TargetError ? error.message : error);
    process.exit(error instanceof TargetError ? 2 : 1);
  },
);

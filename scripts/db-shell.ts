// `npm run db:shell`: a MongoDB shell (mongosh, or the legacy mongo) on the database the app is
// configured for, MONGODB_URL with the app's database name. Arguments after `--` go to the shell:
// `npm run db:shell -- --eval 'db.users.countDocuments()'`. Without a shell installed, it says
// how to get one and exits 1.
import { spawn } from 'node:child_process';
import { loadConfigOrExit } from '../src/config.ts';
import { type Config, databaseName, mask, withDatabase } from '../src/core/config/config.ts';
import { which } from './which.ts';

export const SHELLS = ['mongosh', 'mongo'];

/** The connection string with the app's database in its path (mongosh opens `test` otherwise). */
export function shellUrl(config: Config): string | undefined {
  return config.MONGODB_URL && withDatabase(config.MONGODB_URL, databaseName(config));
}

export type ShellPlan =
  | { ok: true; command: string; args: string[] }
  | { ok: false; message: string };

export function planShell(config: Config, extra: string[], env = process.env): ShellPlan {
  const url = shellUrl(config);
  if (!url) {
    return {
      ok: false,
      message: [
        'MONGODB_URL is not set, so there is no database to open.',
        '`npm run dev` starts a local MongoDB when it is unset and prints its URL (the "database"',
        'line): put that, or any MongoDB you use, in .env.local as MONGODB_URL=mongodb://HOST:PORT/NAME.',
      ].join('\n'),
    };
  }
  for (const shell of SHELLS) {
    const command = which(shell, env);
    if (command) return { ok: true, command, args: [url, ...extra] };
  }
  const name = databaseName(config);
  return {
    ok: false,
    message: [
      `No MongoDB shell found (looked for ${SHELLS.join(' and ')} on the PATH).`,
      `It would open ${mask('MONGODB_URL', url)}. Any of these gives you one:`,
      '  1. Install mongosh: https://www.mongodb.com/docs/mongodb-shell/install/ (or npm install -g mongosh)',
      `  2. With the compose stack running: docker compose exec mongo mongosh ${name}`,
      `  3. Without installing anything: /debug/db shows the collections, counts and indexes`,
    ].join('\n'),
  };
}

if (import.meta.main) {
  const plan = planShell(loadConfigOrExit(), process.argv.slice(2));
  if (!plan.ok) {
    console.error(plan.message);
    process.exit(1);
  }
  const child = spawn(plan.command, plan.args, { stdio: 'inherit' });
  // Ctrl-C belongs to the shell (it cancels the current line), not to this process.
  process.on('SIGINT', () => {});
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

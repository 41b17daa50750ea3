// Runs a command under Node 24 whatever Node started it: the npm scripts go through this file so
// that `npm run dev` and `npm test` work with any Node from 20 up on the PATH. Plain JavaScript on
// purpose (an older Node cannot read TypeScript). Usage, with the arguments `node` would take:
//
//   node scripts/node24.js scripts/dev.ts          node scripts/node24.js --test a.test.ts
//
// On an older Node it re-runs the arguments under the Node 24 that scripts/services.sh also uses,
// installed once from the npm registry's `node` package into $GROUNDWORK_CACHE (default
// ~/.cache/groundwork), with that Node first on the PATH for everything the command starts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { constants, homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

const NEEDED = 24;
const args = process.argv.slice(2);
const major = Number(process.versions.node.split('.')[0]);

// On Node 24 or later, the same Node; otherwise the cached one, installed on first use.
const node = major >= NEEDED ? process.execPath : (cachedNode() ?? installNode());
if (node !== process.execPath) {
  console.error(
    `[node] Node ${process.version} found: running on Node ${NEEDED} from ${cacheDir()}`,
  );
}
// A child process even on Node 24: the script must be the main module (import.meta.main).
const child = spawn(node, args, {
  stdio: 'inherit',
  env: { ...process.env, PATH: [dirname(node), process.env.PATH].filter(Boolean).join(delimiter) },
});
// Ctrl-C reaches the child through the terminal's process group; a signal sent to this process
// alone is passed on. Either way this process ends when the child does, with its status.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => exitLike({ status: code, signal }));
child.on('error', (error) => fail(`cannot run ${node}: ${error.message}`));

function cacheDir() {
  return join(
    process.env.GROUNDWORK_CACHE || join(homedir(), '.cache', 'groundwork'),
    `node${NEEDED}`,
  );
}

function nodeIn(prefix) {
  const node = join(
    prefix,
    'node_modules',
    'node',
    'bin',
    process.platform === 'win32' ? 'node.exe' : 'node',
  );
  if (!existsSync(node)) return undefined;
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  return version.startsWith(`v${NEEDED}.`) ? node : undefined;
}

function cachedNode() {
  return nodeIn(cacheDir());
}

function installNode() {
  const target = cacheDir();
  console.error(
    `[node] Node ${process.version} found, this project runs on Node ${NEEDED}: fetching it once from the npm registry into ${target}`,
  );
  mkdirSync(dirname(target), { recursive: true });
  // Installed beside the target, then moved into place: two commands started at once never see
  // (or leave) a half-installed Node.
  const staging = mkdtempSync(`${target}-installing-`);
  const npm = process.env.npm_execpath
    ? [process.execPath, [process.env.npm_execpath]]
    : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
  const installed = spawnSync(
    npm[0],
    [
      ...npm[1],
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      '--prefix',
      staging,
      `node@${NEEDED}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const node = installed.status === 0 ? nodeIn(staging) : undefined;
  if (!node) {
    rmSync(staging, { recursive: true, force: true });
    const reason = (installed.error?.message ?? installed.stderr ?? '')
      .split('\n')
      .find((line) => /\S/.test(line));
    fail(
      `Node ${NEEDED} is needed (found ${process.version}) and could not be fetched from the npm registry${reason ? ` (${reason.replace(/^npm (error|ERR!) /, '').trim()})` : ''}. Fix: install Node ${NEEDED} (\`nvm install ${NEEDED}\`, or https://nodejs.org) and run the command again.`,
    );
  }
  try {
    if (!cachedNode()) rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } catch {
    // Another command installed it meanwhile: use that one.
    rmSync(staging, { recursive: true, force: true });
  }
  return (
    cachedNode() ??
    fail(
      `Node ${NEEDED} was installed but does not run from ${target}. Fix: delete that folder and run the command again.`,
    )
  );
}

function fail(message) {
  console.error(`[node] ${message}`);
  process.exit(1);
}

// The exit status a shell reports for the child: its code, or 128 + the signal that ended it.
function exitLike({ status, signal }) {
  process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (status ?? 1));
}

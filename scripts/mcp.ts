// `npm run --silent mcp:<server>`: starts an MCP server for coding agents, pointed at this
// project's own services (decision 0118). `.mcp.json` runs these commands. stdout is the MCP
// channel: everything this script says goes to stderr.
//   playwright  a browser (headless Chromium) allowed to reach only the local app
//   mongodb     the configured database, read-only unless MCP_MONGODB_WRITE=true
//   github      GitHub's own server (a binary or its container), with your token
// `--print` shows the command and the names of its environment variables instead of running it.
import { spawn, spawnSync } from 'node:child_process';
import { loadConfig } from '../src/config.ts';
import { ConfigError } from '../src/core/config/config.ts';
import { rootDir } from '../src/core/config/paths.ts';

// Exact versions: what an agent runs changes only through a reviewed commit.
export const MCP_PACKAGES = {
  playwright: '@playwright/mcp@0.0.83',
  mongodb: 'mongodb-mcp-server@3.0.4',
};
const GITHUB_IMAGE = 'ghcr.io/github/github-mcp-server';

export type Launch = { command: string; args: string[]; env: Record<string, string> };

export class McpError extends Error {}

const onPath = (command: string) =>
  spawnSync(command, ['--version'], { stdio: 'ignore' }).error === undefined;

/** How to start one server, from the project's configuration and the environment. */
export function mcpLaunch(server: string, env: NodeJS.ProcessEnv = process.env): Launch {
  let config: ReturnType<typeof loadConfig>;
  try {
    // Agents work on the development app (npm run dev), as the tests do: production is only the
    // default for a server started without saying (docs/decisions/0100).
    config = loadConfig({ cwd: rootDir, env: { NODE_ENV: 'development', ...env } });
  } catch (error) {
    if (error instanceof ConfigError) throw new McpError(error.message);
    throw error;
  }
  const npx = (pkg: string, args: string[], extra: Record<string, string> = {}): Launch => ({
    command: 'npx',
    args: ['--yes', pkg, ...args],
    env: extra,
  });
  switch (server) {
    case 'playwright': {
      const app = `http://localhost:${config.PORT}`;
      return npx(MCP_PACKAGES.playwright, [
        '--headless',
        '--isolated',
        '--browser=chromium',
        // Snapshots and screenshots land with the other local data, not in the source tree.
        '--output-dir=.data/playwright-mcp',
        // The app and its own assets; anything else the page asks for is refused.
        `--allowed-origins=${app};http://127.0.0.1:${config.PORT}`,
        ...(env.CHROMIUM_PATH ? [`--executable-path=${env.CHROMIUM_PATH}`] : []),
      ]);
    }
    case 'mongodb': {
      if (!config.MONGODB_URL) {
        throw new McpError(
          'MONGODB_URL is not set, so there is no database to point the MongoDB server at (npm run dev\n' +
            'starts one on a random port). Put MONGODB_URL=mongodb://127.0.0.1:27017/<database> in .env.local\n' +
            '(scripts/services.sh mongo prints a local one), then restart the MCP server.',
        );
      }
      return npx(MCP_PACKAGES.mongodb, [], {
        MDB_MCP_CONNECTION_STRING: config.MONGODB_URL,
        MDB_MCP_READ_ONLY: env.MCP_MONGODB_WRITE === 'true' ? 'false' : 'true',
        MDB_MCP_TELEMETRY: 'disabled',
      });
    }
    case 'github': {
      const token = env.GITHUB_PERSONAL_ACCESS_TOKEN || env.GITHUB_TOKEN;
      if (!token) {
        throw new McpError(
          'No GitHub token: set GITHUB_PERSONAL_ACCESS_TOKEN (or GITHUB_TOKEN) in the environment the\n' +
            'agent starts from, e.g. GITHUB_PERSONAL_ACCESS_TOKEN=$(gh auth token).',
        );
      }
      const secret = { GITHUB_PERSONAL_ACCESS_TOKEN: token };
      if (onPath('github-mcp-server'))
        return { command: 'github-mcp-server', args: ['stdio'], env: secret };
      if (onPath('docker')) {
        return {
          command: 'docker',
          args: ['run', '-i', '--rm', '-e', 'GITHUB_PERSONAL_ACCESS_TOKEN', GITHUB_IMAGE],
          env: secret,
        };
      }
      throw new McpError(
        "GitHub's MCP server is not installed: install the github-mcp-server binary (see\n" +
          `github.com/github/github-mcp-server releases) or Docker (to run ${GITHUB_IMAGE}).`,
      );
    }
    default:
      throw new McpError(`Unknown MCP server "${server}": use playwright, mongodb or github.`);
  }
}

if (import.meta.main) {
  const [server = '', flag] = process.argv.slice(2);
  try {
    const launch = mcpLaunch(server);
    if (flag === '--print') {
      // The values stay out: one is a token, another a connection string with a password.
      console.error(JSON.stringify({ ...launch, env: Object.keys(launch.env) }));
    } else {
      const child = spawn(launch.command, launch.args, {
        cwd: rootDir,
        env: { ...process.env, ...launch.env },
        stdio: 'inherit',
      });
      for (const signal of ['SIGINT', 'SIGTERM'] as const)
        process.on(signal, () => child.kill(signal));
      child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
      child.on('error', (error) => {
        console.error(`Could not start ${launch.command}: ${error.message}`);
        process.exit(1);
      });
    }
  } catch (error) {
    if (!(error instanceof McpError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { project } from '../../project.ts';

// One flat key space, named like environment variables, shared by every source: the same name works
// in the environment, in .env files and in config.yml, so a setting is found by one grep.
const boolean = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
// Range checks carry their own message: without one, zod repeats the number's "must be a number".
const wholeNumber = z.coerce
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' });
const atLeast = (min: number) => wholeNumber.min(min, `must be ${min} or more`);
const port = atLeast(0).max(65535, 'must be 65535 or less');

export const configSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'test', 'production'])
    .default('development')
    .describe('Runtime mode. Use "production" for deployments: it hides debug routes.'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Interface to listen on, e.g. 127.0.0.1.'),
  PORT: port.default(3000).describe('TCP port, 0-65535 (0 picks a free port).'),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('The public origin, e.g. https://app.example.com (used in links and emails).'),
  TRUST_PROXY: boolean
    .default(false)
    .describe('"true" when behind a reverse proxy that sets X-Forwarded-* headers.'),
  TRUST_PROXY_HOPS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10)
    .default(1)
    .describe(
      'With TRUST_PROXY: how many proxies append to X-Forwarded-For. The client address is read that many entries from the right, so a client cannot choose it.',
    ),
  MONGODB_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional()
    .describe('MongoDB connection string, e.g. mongodb://127.0.0.1:27017/app.'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional()
    .describe(
      'Redis connection string, e.g. redis://127.0.0.1:6379 (rediss:// for TLS). Rate limits ' +
        'use it when set; the job queue needs it in production.',
    ),
  JOBS_QUEUE: z
    .string()
    .regex(/^[\w.-]{1,100}$/, 'must be letters, digits, ".", "-" or "_"')
    .default(project.slug)
    .describe('Name of the job queue in Redis; apps that share a Redis need different names.'),
  JOBS_CONCURRENCY: atLeast(1)
    .max(1000, 'must be 1000 or less')
    .default(8)
    .describe('How many jobs one worker process runs at the same time, 1-1000.'),
  JOBS_LOCK_MS: atLeast(500)
    .default(30_000)
    .describe(
      'How long a worker holds a job without renewing its lock (at least 500); a job whose ' +
        'worker crashed runs again after about twice this.',
    ),
  WORKER_PORT: port
    .default(3001)
    .describe('TCP port of the worker process for /health and /metrics, 0-65535 (0 picks one).'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional()
    .describe(
      'SMTP server for outgoing email, e.g. smtps://user:password@smtp.example.com:465; when ' +
        'unset, emails are stored in MongoDB and shown at /debug/emails (development).',
    ),
  EMAIL_FROM: z
    .string()
    .min(3)
    .optional()
    .describe('Sender of outgoing email, e.g. "Example <no-reply@example.com>".'),
  GOOGLE_CLIENT_ID: z
    .string()
    .optional()
    .describe('OAuth client id from the Google Cloud console; with the secret, shows Google.'),
  GOOGLE_CLIENT_SECRET: z.string().optional().describe('OAuth client secret for Google.'),
  GOOGLE_ISSUER: z
    .url({ protocol: /^https?$/ })
    .default('https://accounts.google.com')
    .describe('OpenID Connect issuer for Google (change only to test against another server).'),
  MICROSOFT_CLIENT_ID: z
    .string()
    .optional()
    .describe('Application (client) id from Microsoft Entra; with the secret, shows Microsoft.'),
  MICROSOFT_CLIENT_SECRET: z.string().optional().describe('Client secret for Microsoft.'),
  MICROSOFT_ISSUER: z
    .url({ protocol: /^https?$/ })
    .default('https://login.microsoftonline.com/common/v2.0')
    .describe(
      'OpenID Connect issuer for Microsoft: .../common/v2.0 (any account), .../consumers/v2.0, ' +
        'or .../<tenant id>/v2.0.',
    ),
  GITHUB_CLIENT_ID: z
    .string()
    .optional()
    .describe('Client id of a GitHub OAuth app; with the secret, shows GitHub.'),
  GITHUB_CLIENT_SECRET: z.string().optional().describe('Client secret of the GitHub OAuth app.'),
  GITHUB_URL: z
    .url({ protocol: /^https?$/ })
    .default('https://github.com')
    .describe('GitHub (or GitHub Enterprise) web address, e.g. https://github.example.com.'),
  GITHUB_API_URL: z
    .url({ protocol: /^https?$/ })
    .default('https://api.github.com')
    .describe('GitHub API address, e.g. https://github.example.com/api/v3 for Enterprise.'),
  SESSION_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    .optional()
    .describe(
      'A long random string (e.g. `openssl rand -base64 48`) that signs CSRF tokens and binds ' +
        'sign-in links to their browser (changing it voids pending links); when unset, one is ' +
        'generated once and kept in MongoDB.',
    ),
  SESSION_IDLE_MINUTES: atLeast(1)
    .default(30)
    .describe('Minutes without a request after which a session ends (at least 1).'),
  SESSION_ABSOLUTE_HOURS: atLeast(1)
    .default(12)
    .describe('Hours after sign-in after which a session ends, however active (at least 1).'),
  SESSION_CACHE_MS: atLeast(0)
    .default(2_000)
    .describe(
      'How long a process may reuse a session it read from MongoDB (0 reads it on every request).',
    ),
  ADMIN_EMAILS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((email) => email.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.email({ error: 'must be a comma-separated list of email addresses' })))
    .describe('Comma-separated emails that become admins when they sign in, e.g. a@x.org,b@x.org.'),
  RATE_LIMIT_PER_MINUTE: atLeast(1)
    .default(120)
    .describe('Form posts and sign-in requests one IP address may make per minute (at least 1).'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('Minimum log level.'),
  SHUTDOWN_TIMEOUT_MS: atLeast(0)
    .default(10_000)
    .describe('How long in-flight requests may take to finish after SIGTERM.'),
  SHUTDOWN_DELAY_MS: atLeast(0)
    .default(0)
    .describe(
      'After SIGTERM, keep serving this long with readiness at 503 so a load balancer can stop ' +
        'routing here first (e.g. 5000 on Kubernetes).',
    ),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigKey = keyof Config;

// Values shown anywhere (logs, /debug/config) go through mask(); list secret keys here.
const secretKeys = new Set<string>([
  'SESSION_SECRET',
  'GOOGLE_CLIENT_SECRET',
  'MICROSOFT_CLIENT_SECRET',
  'GITHUB_CLIENT_SECRET',
]);
const keys = Object.keys(configSchema.shape) as ConfigKey[];

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export type ConfigSource = { name: string; values: Record<string, string> };

export type LoadOptions = { cwd?: string; env?: NodeJS.ProcessEnv };

// Lowest precedence first: config.yml < .env < .env.local < environment.
export function readSources({ cwd = process.cwd(), env = process.env }: LoadOptions = {}) {
  const sources: ConfigSource[] = [];
  const problems: string[] = [];
  const yamlPath = join(cwd, 'config.yml');
  if (existsSync(yamlPath)) {
    try {
      const doc: unknown = parseYaml(readFileSync(yamlPath, 'utf8')) ?? {};
      if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('top level must be a map');
      const values: Record<string, string> = {};
      for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
        if (!keys.includes(key as ConfigKey)) {
          problems.push(`${key} (config.yml): unknown key. Known keys: ${keys.join(', ')}.`);
        } else if (value !== null && typeof value === 'object') {
          problems.push(`${key} (config.yml): must be a single value, not a list or map.`);
        } else if (value !== null) values[key] = String(value);
      }
      sources.push({ name: 'config.yml', values });
    } catch (error) {
      problems.push(`config.yml: cannot be read as YAML: ${(error as Error).message}`);
    }
  }
  for (const file of ['.env', '.env.local']) {
    const path = join(cwd, file);
    if (existsSync(path)) sources.push({ name: file, values: parseDotenv(readFileSync(path)) });
  }
  sources.push({ name: 'environment', values: env as Record<string, string> });
  return { sources, problems };
}

// Loads and validates the configuration. Throws ConfigError listing every problem at once.
export function loadConfig(options: LoadOptions = {}): Config {
  const { sources, problems } = readSources(options);
  const merged: Record<string, string> = {};
  const origin: Record<string, string> = {};
  for (const { name, values } of sources) {
    for (const key of keys) {
      const value = values[key];
      if (value === undefined || value === '') continue;
      merged[key] = value;
      origin[key] = name;
    }
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '');
      const shape = configSchema.shape[key as ConfigKey];
      const shown =
        key in merged ? ` (got ${JSON.stringify(mask(key, merged[key]))} from ${origin[key]})` : '';
      const hint = shape?.description ? ` Fix: ${shape.description}` : '';
      problems.push(`${key}${shown}: ${issue.message}.${hint}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const config = result.data;
  if (config.NODE_ENV === 'production' && !config.MONGODB_URL) {
    throw new ConfigError([
      'MONGODB_URL: required when NODE_ENV=production. Fix: set it to your MongoDB connection string.',
    ]);
  }
  return config;
}

// For process entries: every problem, how to fix it, and exit code 78 (EX_CONFIG).
export function exitWithConfigError(error: ConfigError): never {
  console.error(
    `${error.message}\n\nSet these in the environment, .env.local, .env or config.yml.`,
  );
  process.exit(78);
}

export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) exitWithConfigError(error);
    throw error;
  }
}

export function mask(key: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (secretKeys.has(key)) return '********';
  // Regex, not URL: MongoDB strings may list several hosts, which URL cannot parse.
  if (typeof value === 'string')
    return value.replace(/^([a-z][a-z+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:********@');
  return value;
}

// The configuration as it may be shown to a person: secrets and URL passwords masked.
export function maskedConfig(config: Config): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, mask(key, config[key])]));
}

export function databaseName(config: Config): string {
  const name = config.MONGODB_URL?.match(/^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/)?.[1];
  return name ? decodeURIComponent(name) : project.slug.replaceAll('-', '_');
}

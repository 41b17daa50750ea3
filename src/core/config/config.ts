import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { project } from '../../project.ts';

const require = createRequire(import.meta.url);

// One flat key space, named like environment variables, shared by every source: the same name works
// in the environment, in .env files and in config.yml, so a setting is found by one grep.
export const boolean = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');
// Range checks carry their own message: without one, zod repeats the number's "must be a number".
export const wholeNumber = z.coerce
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' });
export const atLeast = (min: number) => wholeNumber.min(min, `must be ${min} or more`);
export const port = atLeast(0).max(65535, 'must be 65535 or less');

// The core's settings. A feature declares its own in its folder (`settings` of defineFeature, and
// the same keys merged into Config), so they leave with it; src/config.ts joins them all.
/** Settings by name, each a zod schema whose .describe() says how to fix a bad value. */
export type Settings = Record<string, z.ZodType>;

export const coreSettings = {
  NODE_ENV: z
    .enum(['development', 'test', 'production'])
    .default('production')
    .describe(
      'Runtime mode. Production (the default: `npm start`, the image) hides debug routes; ' +
        '`npm run dev` sets "development".',
    ),
  HOST: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Interface to listen on, e.g. 0.0.0.0 for every interface. Default: 0.0.0.0 in production ' +
        '(a container), 127.0.0.1 otherwise, so development is not reachable from the network.',
    ),
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
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional()
    .describe(
      'SMTP server for outgoing email, e.g. smtps://user:password@smtp.example.com:465; when ' +
        'unset, emails are stored in MongoDB and shown at /debug/emails (development).',
    ),
  SES_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region, e.g. eu-west-1')
    .optional()
    .describe(
      'AWS region of Amazon SES, e.g. eu-west-1; with SES_ACCESS_KEY_ID and ' +
        'SES_SECRET_ACCESS_KEY, email goes out through the SES v2 API instead of SMTP.',
    ),
  SES_ACCESS_KEY_ID: z
    .string()
    .regex(/^[A-Z0-9]{16,128}$/, 'must be an AWS access key id, e.g. AKIAIOSFODNN7EXAMPLE')
    .optional()
    .describe('Access key id of an IAM user allowed ses:SendRawEmail (and ses:SendEmail).'),
  SES_SECRET_ACCESS_KEY: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe('Secret access key of that IAM user.'),
  SES_ENDPOINT: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'SES API origin when not https://email.<region>.amazonaws.com (a VPC endpoint, a test server).',
    ),
  EMAIL_FROM: z
    .string()
    .min(3)
    .optional()
    .describe('Sender of outgoing email, e.g. "Example <no-reply@example.com>".'),
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
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe(
      'A long random string (e.g. `openssl rand -hex 32`) that /metrics asks of scrapers as ' +
        '`Authorization: Bearer <token>`; when unset, production serves /metrics on loopback only.',
    ),
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
} satisfies Settings;

/** The values a group of settings parses to. */
export type SettingsOf<Shape extends Settings> = z.output<z.ZodObject<Shape>>;

// The parsed configuration. Each feature merges its settings in (declare module ... interface
// Config extends SettingsOf<typeof itsSettings> {}), so `config.JOBS_QUEUE` is typed while the
// jobs feature exists and gone with it.
export interface Config extends SettingsOf<typeof coreSettings> {
  /** HOST, or the mode's default: every interface in production, loopback otherwise. */
  readonly HOST: string;
  /** NODE_ENV is "production": decided here, once, for every check that depends on it. */
  readonly production: boolean;
}

export type ConfigSchema = z.ZodObject<Settings>;

/** The schema of the whole configuration: the core's settings, then each feature's. */
export function configSchemaOf(
  features: ReadonlyArray<{ name: string; settings?: Settings }>,
): ConfigSchema {
  const shape: Settings = { ...coreSettings };
  for (const { name, settings = {} } of features) {
    for (const [key, schema] of Object.entries(settings)) {
      if (key in shape)
        throw new Error(`Feature "${name}" declares ${key}, a setting that exists.`);
      shape[key] = schema;
    }
  }
  return z.object(shape);
}

const coreSchema = configSchemaOf([]);

// Values shown anywhere (logs, /debug/config) go through mask(): a setting named like a secret is
// hidden whole, a URL's password everywhere.
const SECRET_NAME = /SECRET|PASSWORD|TOKEN/;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export type ConfigSource = { name: string; values: Record<string, string> };

export type LoadOptions = {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The settings to read (src/config.ts passes the app's: the core's and each feature's). */
  schema?: ConfigSchema;
};

// Lowest precedence first: config.yml < .env < .env.local < environment.
export function readSources(
  { cwd = process.cwd(), env = process.env }: LoadOptions = {},
  keys: string[] = Object.keys(coreSchema.shape),
) {
  const sources: ConfigSource[] = [];
  const problems: string[] = [];
  const yamlPath = join(cwd, 'config.yml');
  if (existsSync(yamlPath)) {
    try {
      // Loaded only when there is a config.yml: most deployments configure through the environment.
      const { parse } = require('yaml') as typeof import('yaml');
      const doc: unknown = parse(readFileSync(yamlPath, 'utf8')) ?? {};
      if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('top level must be a map');
      const values: Record<string, string> = {};
      for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
        if (!keys.includes(key)) {
          problems.push(`${key} (config.yml): unknown key. Known keys: ${keys.join(', ')}.`);
        } else if (value !== null && typeof value === 'object') {
          problems.push(`${key} (config.yml): must be a single value, not a list or map.`);
        } else if (value !== null && isSecret(key, String(value))) {
          // config.yml is committed and copied into the image: a secret there leaks with both.
          problems.push(
            `${key} (config.yml): a secret does not belong in config.yml, which is committed and copied into the image. Fix: set it in the environment or .env.local.`,
          );
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
  const { schema = coreSchema } = options;
  const keys = Object.keys(schema.shape);
  const { sources, problems } = readSources(options, keys);
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
  const result = schema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '');
      const shape = schema.shape[key];
      const shown =
        key in merged ? ` (got ${JSON.stringify(mask(key, merged[key]))} from ${origin[key]})` : '';
      const hint = shape?.description ? ` Fix: ${shape.description}` : '';
      problems.push(`${key}${shown}: ${issue.message}.${hint}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  // The schema is the core's and the features' settings, the type the same keys merged.
  const settings = result.data as unknown as Omit<Config, 'production' | 'HOST'> & {
    HOST?: string;
  };
  const production = settings.NODE_ENV === 'production';
  // Development serves debug pages and a job dashboard without sign-in: only this machine may
  // reach it unless HOST says otherwise. A container needs every interface to be reachable.
  const HOST = settings.HOST ?? (production ? '0.0.0.0' : '127.0.0.1');
  const config: Config = { ...settings, HOST, production };
  const combined = combinationProblems(config);
  if (combined.length > 0) throw new ConfigError(combined);
  return config;
}

const SES_KEYS = ['SES_REGION', 'SES_ACCESS_KEY_ID', 'SES_SECRET_ACCESS_KEY'] as const;

// Settings that are only valid together, checked once every value has parsed.
function combinationProblems(config: Config): string[] {
  const problems: string[] = [];
  if (config.production && !config.MONGODB_URL) {
    problems.push(
      'MONGODB_URL: required when NODE_ENV=production. Fix: set it to your MongoDB connection string.',
    );
  }
  const ses = SES_KEYS.filter((key) => config[key]);
  if (ses.length > 0 && ses.length < SES_KEYS.length) {
    const missing = SES_KEYS.filter((key) => !config[key]);
    problems.push(
      `${missing.join(', ')}: required with ${ses.join(', ')}. Fix: set all of ${SES_KEYS.join(', ')} to send through Amazon SES, or none.`,
    );
  }
  if (ses.length > 0 && config.SMTP_URL) {
    problems.push(
      'SMTP_URL and SES_REGION: both set, but email has one transport. Fix: unset one of them.',
    );
  }
  return problems;
}

// For process entries: every problem, how to fix it, and exit code 78 (EX_CONFIG).
export function exitWithConfigError(error: ConfigError): never {
  console.error(
    `${error.message}\n\nSet these in the environment, .env.local, .env or config.yml.`,
  );
  process.exit(78);
}

export function loadConfigOrExit(options: LoadOptions = {}): Config {
  try {
    return loadConfig(options);
  } catch (error) {
    if (error instanceof ConfigError) exitWithConfigError(error);
    throw error;
  }
}

// A URL that carries a password, as mask() hides it.
const URL_PASSWORD = /^([a-z][a-z+.-]*:\/\/[^:/@]*):[^@/]*@/i;

const isSecret = (key: string, value: string) => SECRET_NAME.test(key) || URL_PASSWORD.test(value);

export function mask(key: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (SECRET_NAME.test(key)) return '********';
  // Regex, not URL: MongoDB strings may list several hosts, which URL cannot parse.
  if (typeof value === 'string') return value.replace(URL_PASSWORD, '$1:********@');
  return value;
}

// The configuration as it may be shown to a person: secrets and URL passwords masked.
export function maskedConfig(config: Config): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, mask(key, value)]));
}

/** The same MongoDB server, another database: `url` with `database` as its path. */
export function withDatabase(url: string, database: string): string {
  return url.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?/, `$1/${database}`);
}

export function databaseName(config: Config): string {
  const name = config.MONGODB_URL?.match(/^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/)?.[1];
  return name ? decodeURIComponent(name) : project.slug.replaceAll('-', '_');
}

// Where a deploy goes and how to reach it: the settings of `npm run deploy|rollback|deploy:status`
// and of the deploy workflow, validated before anything connects (docs/decisions/0051).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { rootDir } from '../../src/core/config/paths.ts';
import { project } from '../../src/project.ts';

export const targetSchema = z.object({
  DEPLOY_HOST: z
    .string({ error: 'is required: the host to deploy to, as user@host' })
    .regex(/^[A-Za-z0-9._-]+@[A-Za-z0-9.:[\]-]+$/, 'must be user@host, e.g. deploy@203.0.113.7'),
  DEPLOY_PORT: z.coerce.number().int().min(1).max(65535).default(22),
  DEPLOY_PATH: z
    .string()
    .regex(/^\/[A-Za-z0-9._/-]+$/, 'must be an absolute path of letters, digits, . _ - and /')
    .default(`/srv/${project.slug}`),
  DEPLOY_KNOWN_HOSTS: z
    .string({
      error:
        'is required: the host key line(s) to trust, as in ~/.ssh/known_hosts (ssh-keyscan the host once, check the fingerprint, then keep the line)',
    })
    .refine(
      (text) => text.split('\n').some((line) => /^\S+ (ssh-|ecdsa-)\S+ \S+/.test(line.trim())),
      'must hold at least one known_hosts line: "<host> <key type> <base64 key>"',
    ),
  DEPLOY_SSH_KEY: z
    .string()
    .optional()
    .describe('path of the private key file (default: ssh picks one)'),
  DEPLOY_ENV_FILE: z.string().optional().describe('path of the .env.production file to send'),
});

export type Target = z.infer<typeof targetSchema>;

export class TargetError extends Error {
  override name = 'TargetError';
}

/** The deploy settings from the environment, or a message per wrong or missing one. */
export function readTarget(env: NodeJS.ProcessEnv = process.env): Target {
  // An unset repository variable arrives as an empty string: the same as not set.
  const parsed = targetSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  );
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')} ${i.message}`);
  throw new TargetError(`Deploy settings are missing or wrong:\n${lines.join('\n')}`);
}

/** The release image the project's compose.prod.yml names, without a tag: ghcr.io/<owner>/<slug>. */
export function imageRepository(root = rootDir): string {
  const compose = parse(readFileSync(join(root, 'compose.prod.yml'), 'utf8'));
  const image: string = compose?.services?.app?.image ?? '';
  const name = /^\$\{APP_IMAGE:-([^}]+)\}$/.exec(image)?.[1] ?? image;
  return name.replace(/:[^/:]+$/, '');
}

/** A version as tags name it: 1.2.0 from v1.2.0. */
export function versionOf(tagOrVersion: string): string {
  const version = tagOrVersion.replace(/^v(?=\d)/, '');
  if (!/^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$/.test(version))
    throw new TargetError(`"${tagOrVersion}" is not a version (like 1.2.0 or v1.2.0)`);
  return version;
}

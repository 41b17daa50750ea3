import pino, { type Logger } from 'pino';
import { project } from '../../project.ts';
import type { Config } from '../config/config.ts';

export type { Logger };

export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'NODE_ENV'>): Logger {
  // Pretty output only for a person at a terminal in development; everywhere else, JSON lines.
  const pretty = config.NODE_ENV === 'development' && process.stdout.isTTY;
  return pino({
    level: config.LOG_LEVEL,
    base: { service: project.slug },
    redact: ['req.headers.cookie', 'req.headers.authorization', 'config.*.password'],
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname,service' } } }
      : {}),
  });
}

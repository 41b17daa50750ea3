// `npm run db:seed`: fake users for development, made by the same code as /debug/users
// (src/core/auth/fake-users.ts): `--users N` (default 5) and `--admins N` (default 1), all under
// example.test and marked fake; `--reset` deletes the fake users (and their sessions) first.
// Real accounts are never touched, and a production configuration is refused.
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../src/config.ts';
import { createFakeUsers, deleteFakeUsers, FAKE_USERS_MAX } from '../src/core/auth/fake-users.ts';
import { databaseName } from '../src/core/config/config.ts';
import { connectDatabase } from '../src/core/data/db.ts';
import { createLogger } from '../src/core/observability/logger.ts';

function count(value: string | undefined, fallback: number, flag: string) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > FAKE_USERS_MAX) {
    console.error(`--${flag} must be a whole number from 0 to ${FAKE_USERS_MAX} (got "${value}")`);
    process.exit(2);
  }
  return n;
}

const { values } = parseArgs({
  options: {
    users: { type: 'string' },
    admins: { type: 'string' },
    reset: { type: 'boolean', default: false },
  },
});
const users = count(values.users, 5, 'users');
const admins = count(values.admins, 1, 'admins');

const config = loadConfigOrExit();
if (config.production) {
  console.error('db:seed makes fake accounts: it refuses to run with NODE_ENV=production.');
  process.exit(1);
}
if (!config.MONGODB_URL) {
  console.error(
    'MONGODB_URL is not set. `npm run dev` starts a local MongoDB when it is unset and prints its\n' +
      'URL (the "database" line): put that in .env.local as MONGODB_URL, then run this again.',
  );
  process.exit(1);
}
const db = await connectDatabase(
  config.MONGODB_URL,
  databaseName(config),
  createLogger({ ...config, LOG_LEVEL: 'warn' }),
);
try {
  if (values.reset) console.log(`[seed] deleted ${(await deleteFakeUsers(db)).length} fake users`);
  const made = [
    ...(admins > 0 ? await createFakeUsers(db, admins, 'admin') : []),
    ...(users > 0 ? await createFakeUsers(db, users, 'user') : []),
  ];
  for (const user of made) console.log(`[seed] ${user.role.padEnd(5)} ${user.email}`);
  console.log(
    `[seed] made ${made.length} fake users in ${db.db.databaseName}; sign in as one at /debug/users`,
  );
} finally {
  await db.close();
}

// Test services come from the environment (scripts/services.sh prints the exports); a missing one
// is a setup error with instructions, never a silently skipped test.
export function requireEnv(name: 'MONGODB_URL' | 'REDIS_URL'): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set. Start the test services and export their settings:\n` +
        '  eval "$(scripts/services.sh up)"\n' +
        'or point it at your own server.',
    );
  }
  return value;
}

// The same server, another database: each test file works in its own database.
export { withDatabase } from '../../src/core/config/config.ts';

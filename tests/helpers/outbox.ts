import type { Database } from '../../src/core/data/db.ts';
import { outbox } from '../../src/core/email/email.ts';

// The newest email the app stored for `to`, with the sign-in link and code it carries.
export async function latestEmail(db: Database, to: string) {
  const [email] = await db
    .collection(outbox)
    .find({ to })
    .sort({ createdAt: -1 })
    .limit(1)
    .toArray();
  if (!email) throw new Error(`no email to ${to} in the outbox`);
  const url = email.text.match(/https?:\/\/\S+\/auth\/verify\/[\w-]+/)?.[0];
  const code = email.text.match(/\b(\d{6})\b/)?.[1];
  return { ...email, url, path: url ? new URL(url).pathname : undefined, code };
}

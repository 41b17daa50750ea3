import { randomBytes } from 'node:crypto';
import { ObjectId } from 'mongodb';
import type { Database } from '../data/db.ts';
import { sessions } from './sessions.ts';
import { type Role, type User, users } from './users.ts';

// Made-up accounts for development, shared by /debug/users and `npm run db:seed`. Each carries
// `fake: true`, so that deleting them, or signing in as one, can never touch a real account.
// Their addresses are under example.test, a name reserved never to resolve (RFC 2606).

export const FAKE_USERS_MAX = 100;

const NAMES = ['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia'];

export async function createFakeUsers(db: Database, count: number, role: Role): Promise<User[]> {
  if (!Number.isInteger(count) || count < 1 || count > FAKE_USERS_MAX) {
    throw new RangeError(`count must be a whole number from 1 to ${FAKE_USERS_MAX}`);
  }
  const now = new Date();
  const made: User[] = Array.from({ length: count }, (_, i) => {
    const suffix = randomBytes(3).toString('hex');
    const name = NAMES[i % NAMES.length] as string;
    return {
      _id: new ObjectId(),
      email: `${name.toLowerCase()}.${suffix}@example.test`,
      displayName: `${name} ${suffix} (${role})`,
      role,
      identities: [],
      createdAt: now,
      lastSignInAt: now,
      fake: true,
    };
  });
  await db.collection(users).insertMany(made);
  return made;
}

/** Deletes the fake users and their sessions; returns the ids of the users deleted. */
export async function deleteFakeUsers(db: Database): Promise<ObjectId[]> {
  const ids = (
    await db
      .collection(users)
      .find({ fake: true }, { projection: { _id: 1 } })
      .toArray()
  ).map((user) => user._id);
  if (ids.length === 0) return [];
  await db.collection(sessions).deleteMany({ userId: { $in: ids } });
  await db.collection(users).deleteMany({ _id: { $in: ids }, fake: true });
  return ids;
}

/** The fake user with this id (a 24-hex string), or null: a real account is never returned. */
export function findFakeUser(db: Database, id: string) {
  if (!ObjectId.isValid(id) || !/^[a-f\d]{24}$/i.test(id)) return Promise.resolve(null);
  return db.collection(users).findOne({ _id: new ObjectId(id), fake: true });
}

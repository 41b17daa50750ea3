import type { ObjectId } from 'mongodb';
import { type Database, defineCollection } from '../data/db.ts';

export const roles = ['user', 'admin'] as const;
export type Role = (typeof roles)[number];

/** A sign-in with an outside provider (GitHub, Google...), linked to one user. */
export type Identity = {
  /** `<provider>:<subject>`, unique across users. */
  key: string;
  provider: string;
  subject: string;
  email?: string;
  linkedAt: Date;
};

export type User = {
  _id: ObjectId;
  /** Verified email, lower-cased; absent for accounts made from a provider without one. */
  email?: string;
  displayName: string;
  /** Path of the user's picture on this app, when a feature stores one (storage). */
  picture?: string;
  role: Role;
  identities: Identity[];
  createdAt: Date;
  lastSignInAt: Date;
};

export const users = defineCollection<User>('users', [
  { key: { email: 1 }, name: 'email_unique', unique: true, sparse: true },
  { key: { 'identities.key': 1 }, name: 'identity_unique', unique: true, sparse: true },
  { key: { createdAt: -1 } },
]);

export const DISPLAY_NAME_MAX = 80;

export function normalizeEmail(email: string) {
  return email.trim().toLowerCase();
}

function nameFromEmail(email: string) {
  return (email.split('@')[0] ?? email).slice(0, DISPLAY_NAME_MAX);
}

type NewUser = { email?: string; displayName: string; identity?: Identity };

// Finds the user with this verified email, or creates one (the first sign-in creates the account).
// The unique index makes concurrent first sign-ins converge on one account.
export async function signInByEmail(db: Database, email: string, adminEmails: readonly string[]) {
  const normalized = normalizeEmail(email);
  const now = new Date();
  const update = async () =>
    db.collection(users).findOneAndUpdate(
      { email: normalized },
      {
        $set: { lastSignInAt: now },
        $setOnInsert: {
          displayName: nameFromEmail(normalized),
          role: 'user',
          identities: [],
          createdAt: now,
        },
      },
      { upsert: true, returnDocument: 'after' },
    );
  const user = await update().catch((error) => {
    if ((error as { code?: number }).code === 11000) return update();
    throw error;
  });
  if (!user) throw new Error(`user ${normalized} vanished while signing in`);
  if (!Array.isArray(user.identities)) {
    // FerretDB 1.x drops empty arrays from $setOnInsert: store the list explicitly.
    await db
      .collection(users)
      .updateOne({ _id: user._id, identities: { $exists: false } }, { $set: { identities: [] } });
    user.identities = [];
  }
  return promoteIfListed(db, user, adminEmails);
}

export async function createUser(db: Database, input: NewUser, adminEmails: readonly string[]) {
  const now = new Date();
  const user: Omit<User, '_id'> = {
    ...(input.email ? { email: normalizeEmail(input.email) } : {}),
    displayName: input.displayName.slice(0, DISPLAY_NAME_MAX),
    role: 'user',
    identities: input.identity ? [input.identity] : [],
    createdAt: now,
    lastSignInAt: now,
  };
  const { insertedId } = await db.collection(users).insertOne(user as User);
  return promoteIfListed(db, { ...user, _id: insertedId } as User, adminEmails);
}

// Users on the ADMIN_EMAILS list become admins when they sign in. Never demoted automatically: an
// admin removed from the list keeps the role until someone changes it.
async function promoteIfListed(db: Database, user: User, adminEmails: readonly string[]) {
  if (user.role === 'admin' || !user.email || !adminEmails.includes(user.email)) return user;
  await db.collection(users).updateOne({ _id: user._id }, { $set: { role: 'admin' } });
  return { ...user, role: 'admin' as const };
}

export async function markSignedIn(db: Database, user: User, adminEmails: readonly string[]) {
  const now = new Date();
  await db.collection(users).updateOne({ _id: user._id }, { $set: { lastSignInAt: now } });
  return promoteIfListed(db, { ...user, lastSignInAt: now }, adminEmails);
}

export function findUserByIdentity(db: Database, key: string) {
  return db.collection(users).findOne({ 'identities.key': key });
}

export function findUserByEmail(db: Database, email: string) {
  return db.collection(users).findOne({ email: normalizeEmail(email) });
}

export async function linkIdentity(db: Database, userId: ObjectId, identity: Identity) {
  await db.collection(users).updateOne(
    { _id: userId, 'identities.key': { $ne: identity.key } },
    {
      $push: { identities: identity },
    },
  );
}

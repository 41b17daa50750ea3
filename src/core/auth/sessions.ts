import { createHash, randomBytes } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { ObjectId } from 'mongodb';
import type { Config } from '../config/config.ts';
import { type Database, defineCollection } from '../data/db.ts';
import { getSecurityCookie, setSecurityCookie } from './cookies.ts';
import { type User, users } from './users.ts';

// A signed-in browser. The cookie carries a random id; MongoDB keeps only its SHA-256, so a copy
// of the database is no list of live sessions.
export type SessionRecord = {
  _id: string;
  userId: ObjectId;
  createdAt: Date;
  lastSeenAt: Date;
  /** Ends the session after SESSION_IDLE_MINUTES without a request; never after expiresAt. */
  idleExpiresAt: Date;
  /** SESSION_ABSOLUTE_HOURS after sign-in, however active. */
  expiresAt: Date;
};

export const sessions = defineCollection<SessionRecord>(
  'sessions',
  [{ key: { userId: 1 } }, { key: { idleExpiresAt: 1 } }],
  { expiresField: 'idleExpiresAt' },
);

export type ActiveSession = { id: string; record: SessionRecord };

export type Sessions = {
  /** Loads the session and its user into ctx.state, when the cookie names a live one. */
  middleware: Middleware;
  /** Starts a new session for `user` (a new id: any previous one in this browser ends). */
  signIn(ctx: Context, user: User): Promise<void>;
  signOut(ctx: Context): Promise<void>;
  /** Ends every session of the user, on every device. */
  signOutEverywhere(ctx: Context, userId: ObjectId): Promise<void>;
  /** Drops cached copies after the user changed (name, role, identities). */
  forgetUser(userId: ObjectId): void;
};

const COOKIE = 'sid';
const ID_BYTES = 32; // 256 bits
const ID_FORMAT = /^[\w-]{43}$/;
const CACHE_LIMIT = 10_000;
const hashId = (id: string) => createHash('sha256').update(id).digest('base64url');

type Cached = { record: SessionRecord; user: User; loadedAt: number };

/** Stores a new session for `user` and returns its id (for the cookie) and record. */
export async function startSession(config: Config, db: Database, user: Pick<User, '_id'>) {
  const id = randomBytes(ID_BYTES).toString('base64url');
  const now = Date.now();
  const idleMs = config.SESSION_IDLE_MINUTES * 60_000;
  const absoluteMs = config.SESSION_ABSOLUTE_HOURS * 3_600_000;
  const record: SessionRecord = {
    _id: hashId(id),
    userId: user._id,
    createdAt: new Date(now),
    lastSeenAt: new Date(now),
    idleExpiresAt: new Date(now + Math.min(idleMs, absoluteMs)),
    expiresAt: new Date(now + absoluteMs),
  };
  await db.collection(sessions).insertOne(record);
  return { id, record };
}

// Sessions live in MongoDB; expiry is checked in every query (no TTL index is relied on). A
// process may reuse a session it read for SESSION_CACHE_MS, so that a signed-in page does not wait
// for two queries: sign-out here takes effect at once, on other instances within that time
// (docs/decisions/0020). Activity is written at most once a minute, not on every request.
export function createSessions(config: Config, db: Database): Sessions {
  const production = config.NODE_ENV === 'production';
  const idleMs = config.SESSION_IDLE_MINUTES * 60_000;
  const absoluteMs = config.SESSION_ABSOLUTE_HOURS * 3_600_000;
  const touchEveryMs = Math.min(60_000, idleMs / 10);
  const cache = new Map<string, Cached>();

  async function load(hash: string, now: number): Promise<Cached | undefined> {
    const cached = cache.get(hash);
    if (cached && now - cached.loadedAt < config.SESSION_CACHE_MS) return cached;
    const record = await db.collection(sessions).findOne({
      _id: hash,
      expiresAt: { $gt: new Date(now) },
      idleExpiresAt: { $gt: new Date(now) },
    });
    const user = record && (await db.collection(users).findOne({ _id: record.userId }));
    if (!record || !user) {
      cache.delete(hash);
      return undefined;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    const fresh = { record, user, loadedAt: now };
    if (config.SESSION_CACHE_MS > 0) cache.set(hash, fresh);
    return fresh;
  }

  function setCookie(ctx: Context, id: string | null, maxAge?: number) {
    setSecurityCookie(ctx, production, COOKIE, id, maxAge === undefined ? {} : { maxAge });
  }

  // Loads the session named by the cookie into ctx.state (or clears a stale cookie).
  async function resume(ctx: Context, id: string) {
    const now = Date.now();
    const hash = hashId(id);
    const found = await load(hash, now);
    // The cached copy is checked against the clock too: it never outlives the session.
    if (
      found &&
      found.record.expiresAt.getTime() > now &&
      found.record.idleExpiresAt.getTime() > now
    ) {
      const { record } = found;
      if (now - record.lastSeenAt.getTime() >= touchEveryMs) {
        record.lastSeenAt = new Date(now);
        record.idleExpiresAt = new Date(Math.min(now + idleMs, record.expiresAt.getTime()));
        await db
          .collection(sessions)
          .updateOne(
            { _id: hash },
            { $set: { lastSeenAt: record.lastSeenAt, idleExpiresAt: record.idleExpiresAt } },
          );
      }
      ctx.state.session = { id, record };
      ctx.state.user = found.user;
    } else {
      // A stale cookie: remove it so the next requests skip the lookup.
      setCookie(ctx, null);
    }
  }

  return {
    // Not async: a request without a session cookie passes without a promise of its own.
    middleware: function loadSession(ctx, next) {
      const id = getSecurityCookie(ctx, production, COOKIE);
      return id && ID_FORMAT.test(id) ? resume(ctx, id).then(next) : next();
    },

    async signIn(ctx, user) {
      const previous = ctx.state.session;
      if (previous) {
        cache.delete(previous.record._id);
        await db.collection(sessions).deleteOne({ _id: previous.record._id });
      }
      const { id, record } = await startSession(config, db, user);
      setCookie(ctx, id, absoluteMs);
      ctx.state.session = { id, record };
      ctx.state.user = user;
    },

    async signOut(ctx) {
      const current = ctx.state.session;
      if (current) {
        cache.delete(current.record._id);
        await db.collection(sessions).deleteOne({ _id: current.record._id });
      }
      setCookie(ctx, null);
      ctx.state.session = undefined;
      ctx.state.user = undefined;
    },

    async signOutEverywhere(ctx, userId) {
      await db.collection(sessions).deleteMany({ userId });
      this.forgetUser(userId);
      setCookie(ctx, null);
      ctx.state.session = undefined;
      ctx.state.user = undefined;
    },

    forgetUser(userId) {
      for (const [hash, entry] of cache) if (entry.user._id.equals(userId)) cache.delete(hash);
    },
  };
}

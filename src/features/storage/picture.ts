import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AppServices, ProfileSection } from '../../core/app/feature.ts';
import { requireUser } from '../../core/auth/roles.ts';
import { type User, users } from '../../core/auth/users.ts';
import { ID_FORMAT, randomId } from '../../core/data/ids.ts';
import { dispositionHeader, NotFoundError, type Storage, TooLargeError } from './storage.ts';
import { receiveFile, UploadError } from './upload.ts';

// The profile picture: uploaded on /profile, shown in the navbar. Its key is its path on this app
// without the leading slash (pictures/<user id>/<random id>), so user.picture says both where it
// is stored and where it is served; a new upload gets a new id, so the URL can be cached forever.
export const PICTURE_MAX_BYTES = 2 * 1024 * 1024;
export const PICTURE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];
const PREFIX = 'pictures';

const errorText = {
  missing: 'storage:picture.errors.missing',
  malformed: 'storage:picture.errors.missing',
  type: 'storage:picture.errors.type',
  'too-large': 'storage:picture.errors.tooLarge',
} as const;

const renderSection = (ctx: Context, error?: UploadError['reason']) =>
  ctx.renderView('storage/picture', {
    picture: (ctx.state.user as User).picture,
    maxMegabytes: PICTURE_MAX_BYTES / 1024 / 1024,
    types: PICTURE_TYPES.join(','),
    error: error && errorText[error],
  });

export const pictureSection: ProfileSection = (ctx) => renderSection(ctx);

export function pictureRoutes(router: Router, services: AppServices, storage: Storage) {
  const { db, sessions, logger, rateLimits } = services;
  const perUser = rateLimits.create('profile-picture', { points: 10, durationSeconds: 15 * 60 });

  // Older pictures of this user: the one replaced, and any a failed request left behind.
  const removeAllBut = async (userId: string, keep: string | undefined) => {
    for await (const { key } of storage.list(`${PREFIX}/${userId}/`)) {
      if (key !== keep) await storage.delete(key);
    }
  };

  const refuse = (ctx: Context, error: UploadError) => {
    ctx.status = error.status;
    // HTMX swaps the section alone, with the message (views/layouts/base.pug swaps 4xx).
    ctx.set('HX-Retarget', '#picture-section');
    ctx.set('HX-Reswap', 'outerHTML');
    ctx.type = 'html';
    ctx.body = renderSection(ctx, error.reason);
  };

  router.post('/profile/picture', requireUser(), async (ctx) => {
    const user = ctx.state.user as User;
    const userId = user._id.toHexString();
    await perUser.consume(ctx, userId);
    const key = `${PREFIX}/${userId}/${randomId()}`;
    try {
      await receiveFile(
        ctx,
        { field: 'picture', types: PICTURE_TYPES, maxBytes: PICTURE_MAX_BYTES },
        ({ stream, contentType }) =>
          storage.put(key, stream, { contentType, maxBytes: PICTURE_MAX_BYTES }),
      );
    } catch (error) {
      if (error instanceof TooLargeError) return refuse(ctx, new UploadError(413, 'too-large'));
      if (error instanceof UploadError) return refuse(ctx, error);
      throw error;
    }
    await db.collection(users).updateOne({ _id: user._id }, { $set: { picture: `/${key}` } });
    sessions.forgetUser(user._id);
    await removeAllBut(userId, key).catch((error) =>
      logger.warn({ err: error, userId }, 'could not remove an old profile picture'),
    );
    ctx.status = 303;
    ctx.redirect('/profile');
  });

  router.post('/profile/picture/delete', requireUser(), async (ctx) => {
    const user = ctx.state.user as User;
    await db.collection(users).updateOne({ _id: user._id }, { $unset: { picture: '' } });
    sessions.forgetUser(user._id);
    await removeAllBut(user._id.toHexString(), undefined);
    ctx.status = 303;
    ctx.redirect('/profile');
  });

  // Served through the app (the CSP allows images from this origin only), to signed-in users.
  router.get('/pictures/:userId/:id', requireUser(), async (ctx) => {
    const { userId = '', id = '' } = ctx.params;
    if (!/^[a-f0-9]{24}$/.test(userId) || !ID_FORMAT.test(id)) ctx.throw(404);
    try {
      const file = await storage.get(`${PREFIX}/${userId}/${id}`);
      ctx.type = file.contentType;
      ctx.set('Content-Disposition', dispositionHeader('picture', 'inline'));
      ctx.length = file.size;
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('Cache-Control', 'private, max-age=31536000, immutable');
      ctx.body = file.body;
    } catch (error) {
      if (error instanceof NotFoundError) ctx.throw(404);
      throw error;
    }
  });
}

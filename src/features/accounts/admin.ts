import type Router from '@koa/router';
import type { AppServices } from '../../core/app/feature.ts';
import { requireRole } from '../../core/auth/roles.ts';
import { users } from '../../core/auth/users.ts';

const ADMIN_PAGE_SIZE = 100;

// /admin/users: the newest users, for admins only.
export function adminRoutes(router: Router, { db }: AppServices) {
  router.get('accounts.admin.users', '/admin/users', requireRole('admin'), async (ctx) => {
    const list = await db
      .collection(users)
      .find({}, { projection: { identities: 0 } })
      .sort({ createdAt: -1 })
      .limit(ADMIN_PAGE_SIZE)
      .toArray();
    const total = await db.collection(users).countDocuments({});
    ctx.set('Cache-Control', 'no-store');
    ctx.render('accounts/users', { list, total });
  });
}

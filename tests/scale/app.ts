// The web process (`node src/server.ts`) with the test sign-in routes (tests/helpers/accounts.ts)
// and two more: who this request is signed in as, and a sign-out. tests/scale/stateless.test.ts
// starts several of these behind one Caddy. The entry is the real one: the features are added
// before it loads.
import { defineFeature } from '../../src/core/app/feature.ts';
import { features } from '../../src/features/index.ts';
import { testSignIn } from '../helpers/accounts.ts';

const whoAmI = defineFeature({
  name: 'scale-who-am-i',
  routes(router, { sessions }) {
    router.get('/test/me', (ctx) => {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { email: ctx.state.user?.email ?? null };
    });
    router.post('/test/sign-out', async (ctx) => {
      await sessions.signOut(ctx);
      ctx.body = { signedOut: true };
    });
  },
});

features.push(testSignIn, whoAmI);
await import('../../src/server.ts');

import { defineFeature } from '../../core/app/feature.ts';
import { adminRoutes } from './admin.ts';
import { profileRoutes } from './profile.ts';
import { signInRoutes } from './sign-in.ts';

// The pages around signing in. The machinery (sessions, CSRF, rate limits, roles) is core; the ways
// to sign in are features that add panels to /login (Feature.signInMethods).
export const accounts = defineFeature({
  name: 'accounts',
  routes(router, services) {
    signInRoutes(router, services);
    profileRoutes(router, services);
    adminRoutes(router, services);
  },
});

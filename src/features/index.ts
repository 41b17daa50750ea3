import type { Feature } from '../core/app/feature.ts';
import { accounts } from './accounts/index.ts';
import { home } from './home/index.ts';
import { jobs } from './jobs/index.ts';
import { magicLink } from './magic-link/index.ts';
import { oauthGithub } from './oauth/github/index.ts';
import { oauthGoogle } from './oauth/google/index.ts';
import { oauth } from './oauth/index.ts';
import { oauthMicrosoft } from './oauth/microsoft/index.ts';
import { storage } from './storage/index.ts';

// The one list of enabled features. Setup codemods remove entries (and their folders) from here.
export const features: Feature[] = [
  home,
  accounts,
  jobs,
  magicLink,
  oauth,
  oauthGoogle,
  oauthMicrosoft,
  oauthGithub,
  storage,
];

import type { Feature } from '../core/feature.ts';
import { home } from './home/index.ts';
import { jobs } from './jobs/index.ts';

// The one list of enabled features. Setup codemods remove entries (and their folders) from here.
export const features: Feature[] = [home, jobs];

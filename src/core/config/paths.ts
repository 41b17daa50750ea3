import { fileURLToPath } from 'node:url';

// Absolute paths of the folders the app reads at runtime, independent of the working directory.
export const rootDir = fileURLToPath(new URL('../../../', import.meta.url));
export const viewsDir = `${rootDir}views`;
export const localesDir = `${rootDir}locales`;
export const buildDir = `${rootDir}public/build`;
export const featuresDir = `${rootDir}src/features`;

import { isAbsolute, join } from 'node:path';
import { type AppServices, defineFeature } from '../../core/app/feature.ts';
import { rootDir } from '../../core/config/paths.ts';
import { downloadRoutes } from './downloads.ts';
import { diskStorage } from './local.ts';
import { pictureRoutes, pictureSection } from './picture.ts';
import { s3Storage } from './s3.ts';
import { storageSettings } from './settings.ts';
import type { Storage } from './storage.ts';

/** The storage the settings choose: a folder on this machine, or an S3-compatible bucket. */
function openStorage({ config, lifecycle, signingKey }: AppServices): Storage {
  if (config.STORAGE_DRIVER === 's3') {
    return s3Storage(config, (close) => lifecycle.onShutdown(async () => close()));
  }
  const dir = isAbsolute(config.STORAGE_DIR)
    ? config.STORAGE_DIR
    : join(rootDir, config.STORAGE_DIR);
  return diskStorage(dir, signingKey);
}

// Files uploaded by users (docs/decisions/0120-0122): one interface (storage.ts) over the local
// disk or S3, streamed uploads checked by their bytes (upload.ts), and its use in the app: the
// profile picture (picture.ts).
export const storage = defineFeature({
  name: 'storage',
  settings: storageSettings,
  profileSections: () => [pictureSection],
  routes(router, services) {
    const files = openStorage(services);
    if (services.config.STORAGE_DRIVER === 'local') {
      downloadRoutes(router, files, services.signingKey);
    }
    pictureRoutes(router, services, files);
  },
});

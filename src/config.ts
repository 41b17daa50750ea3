// The app's configuration: the core's settings and those of each enabled feature, read and checked
// together. Entries (server, worker, dev, tests, benches) load it from here, where the features
// are known; the core alone knows only its own settings.
import {
  type Config,
  configSchemaOf,
  type LoadOptions,
  loadConfig as loadSettings,
  loadConfigOrExit as loadSettingsOrExit,
} from './core/config/config.ts';
import { features } from './features/index.ts';

export const configSchema = configSchemaOf(features);

export const loadConfig = (options: Omit<LoadOptions, 'schema'> = {}): Config =>
  loadSettings({ ...options, schema: configSchema });

export const loadConfigOrExit = (): Config => loadSettingsOrExit({ schema: configSchema });

// `npm run template:check`: says whether the template has a newer release than this project's
// .template/lock.json. Exit status: 0 up to date, 10 an update exists, 1 error, 2 bad flags.
import { parseArgs } from 'node:util';
import { templateStatus } from '../codemods/update/update.ts';
import { rootDir } from '../src/core/config/paths.ts';

const UPDATE_AVAILABLE = 10;

try {
  const { values: flags } = parseArgs({ options: { template: { type: 'string' } }, strict: true });
  try {
    const { current, latest, available, lock } = templateStatus({
      root: rootDir,
      templateUrl: flags.template,
      progress: (message) => console.error(message),
    });
    const at = current?.tag ?? current?.version ?? `${lock.templateVersion} (commit unknown)`;
    if (available && latest) {
      console.log(`An update exists: ${at} → ${latest.tag}. Run npm run template:update.`);
      process.exit(UPDATE_AVAILABLE);
    }
    console.log(
      `Up to date: ${at}${latest ? ` (latest release ${latest.tag})` : ' (no release yet)'}.`,
    );
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
} catch (error) {
  console.error(`${(error as Error).message}\nUsage: npm run template:check [-- --template <url>]`);
  process.exit(2);
}

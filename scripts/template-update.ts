// `npm run template:update`: merges a newer version of the template into this project, keeping
// the project's own edits, and leaves the result as changes to review (nothing is committed).
// `--set key=value` changes a setup answer (reconfigure). See `npm run template:update -- --help`.
import { parseArgs } from 'node:util';
import { updateReport } from '../codemods/update/report.ts';
import { applyUpdate, planUpdate } from '../codemods/update/update.ts';
import { rootDir } from '../src/core/config/paths.ts';

const HELP = `Usage: npm run template:update -- [options]

Renders the template at this project's version (.template/lock.json) and at the target version
with the saved answers (.template/answers.json), and merges the difference into the working
tree three ways: your edits stay, conflicts get <<<<<<< project / >>>>>>> template markers and
are listed. Needs a clean working tree; nothing is committed.

Options:
  --to <tag|commit>     the template version to update to (default: the latest release)
  --set <key=value>     change a setup answer, e.g. --set features=+jobs, --set languages=+fr,
                        --set name="Acme Portal" (repeatable; lists take +item, -item or a,b)
  --from <tag|commit>   the template version this project was made from, when lock.json does
                        not know it
  --template <url>      fetch the template from here (default: its GitHub repository)
  --help                this text
`;

let flags: ReturnType<typeof parse>['values'];
function parse() {
  return parseArgs({
    options: {
      to: { type: 'string' },
      from: { type: 'string' },
      set: { type: 'string', multiple: true },
      template: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
}
try {
  flags = parse().values;
} catch (error) {
  console.error(`${(error as Error).message}\n\n${HELP}`);
  process.exit(2);
}
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}

const progress = (message: string) => console.error(message);
try {
  const started = performance.now();
  const plan = planUpdate({
    root: rootDir,
    to: flags.to,
    from: flags.from,
    set: flags.set,
    templateUrl: flags.template,
    progress,
  });
  if (plan.upToDate) {
    console.log(
      `Nothing to do: the project is at ${plan.to.tag ?? plan.to.version} with these answers.`,
    );
    process.exit(0);
  }
  applyUpdate(rootDir, plan, { progress });
  console.log(updateReport(plan));
  console.error(
    `Done in ${((performance.now() - started) / 1000).toFixed(1)} s. Review with git status and git diff, run npm install and npm test, then commit.`,
  );
} catch (error) {
  console.error(`\n${(error as Error).message}`);
  process.exit(1);
}

// `npm run help`: every npm script with one line on what it does. npm itself cannot show this:
// `npm run` alone lists the scripts with their commands only, and package.json has no field for
// descriptions. They live next to the scripts, in package.json's "scripts-info" (the key tools
// such as ntl read), kept in step with "scripts" by tests/unit/scripts-info.test.ts
// (docs/decisions/0113).
import packageJson from '../package.json' with { type: 'json' };

export function scriptsHelp(pkg: {
  scripts?: Record<string, string>;
  'scripts-info'?: Record<string, string>;
}) {
  const scripts = Object.keys(pkg.scripts ?? {});
  const info = pkg['scripts-info'] ?? {};
  const width = Math.max(...scripts.map((name) => name.length));
  return scripts.map((name) => `  ${name.padEnd(width)}  ${info[name] ?? '(no description)'}`);
}

if (import.meta.main) {
  console.log(`npm scripts of ${packageJson.name} (npm run <name>; arguments after --):\n`);
  console.log(scriptsHelp(packageJson).join('\n'));
}

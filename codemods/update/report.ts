import type { UpdatePlan } from './update.ts';

const versionName = (v: { tag?: string; version: string; commit: string }) =>
  v.tag ?? `${v.version} (${v.commit.slice(0, 12)})`;

/** "Update the template to v1.2.0", "Reconfigure the project (features=+jobs)", or both. */
export function updateTitle(plan: UpdatePlan, set: string[] = []): string {
  const moved = plan.from.commit !== plan.to.commit;
  if (moved && set.length === 0) return `Update the template to ${versionName(plan.to)}`;
  if (!moved) return `Reconfigure the project (${set.join(', ')})`;
  return `Update the template to ${versionName(plan.to)} and reconfigure (${set.join(', ')})`;
}

/** What the update did, in Markdown: for the CLI's output and the pull request's body. */
export function updateReport(plan: UpdatePlan): string {
  const lines: string[] = [];
  lines.push(
    `Template ${plan.templateRepository}: ${versionName(plan.from)} → ${versionName(plan.to)}. ` +
      `${plan.changed.length} file${plan.changed.length === 1 ? '' : 's'} changed.`,
  );
  if (plan.conflicts.length > 0) {
    lines.push('', `### Conflicts (${plan.conflicts.length})`, '');
    lines.push(
      'Resolve each one before merging: edit the files with `<<<<<<< project` / `>>>>>>> template` markers until none is left.',
      '',
    );
    for (const c of plan.conflicts) {
      lines.push(`- \`${c.path}\` (${c.kind}): ${c.message}`);
      if (c.diff)
        lines.push(
          '',
          '  ```diff',
          ...c.diff
            .trimEnd()
            .split('\n')
            .map((l) => `  ${l}`),
          '  ```',
        );
    }
  } else {
    lines.push('', 'No conflicts: every template change merged cleanly.');
  }
  if (plan.lockfileStale)
    lines.push(
      '',
      '`package.json` changed: `package-lock.json` was refreshed (`npm install --package-lock-only`).',
    );
  if (plan.newFeatures.length > 0) {
    lines.push(
      '',
      `New optional feature${plan.newFeatures.length === 1 ? '' : 's'} in this version, not added: ${plan.newFeatures.map((f) => `\`${f}\``).join(', ')}. ` +
        `Add one with \`npm run template:update -- --set features=+${plan.newFeatures[0]}\`.`,
    );
  }
  if (plan.changelog) lines.push('', '### Changelog', '', plan.changelog);
  return `${lines.join('\n')}\n`;
}

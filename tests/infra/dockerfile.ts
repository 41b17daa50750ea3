// A small Dockerfile reader for the infra tests: enough of the syntax to read stages, their
// instructions and COPY sources (no heredocs, no variable expansion, which this Dockerfile avoids).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));

export type Instruction = { keyword: string; args: string; line: number };
export type Stage = { image: string; name?: string; instructions: Instruction[] };
export type Copy = { from?: string; sources: string[]; dest: string; line: number };

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    // Comment lines are dropped even inside a continuation, as Docker does.
    if (line.startsWith('#') || (line === '' && pending === '')) return;
    if (pending === '') startLine = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    if (full === '') return;
    const [keyword = '', ...rest] = full.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' '), line: startLine };
    if (instruction.keyword === 'FROM') {
      const words = rest.filter((w) => !w.startsWith('--'));
      const asIndex = words.findIndex((w) => w.toLowerCase() === 'as');
      stages.push({
        image: words[0] ?? '',
        name: asIndex >= 0 ? words[asIndex + 1] : undefined,
        instructions: [],
      });
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`line ${startLine}: ${instruction.keyword} before the first FROM`);
    stage.instructions.push(instruction);
  });
  return stages;
}

export function readDockerfile(): Stage[] {
  return parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
}

export function instructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

// The last WORKDIR of a stage: where its relative paths resolve.
export function workdir(stage: Stage): string {
  return instructions(stage, 'WORKDIR').at(-1)?.args ?? '/';
}

export function copies(stage: Stage): Copy[] {
  return instructions(stage, 'COPY').map(({ args, line }) => {
    const words = args.split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
    return { from, sources: paths.slice(0, -1), dest: paths.at(-1) ?? '', line };
  });
}

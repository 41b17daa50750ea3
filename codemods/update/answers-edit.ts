/** Saved setup answers as .template/answers.json holds them; the setup CLI validates them. */
export type Answers = Record<string, unknown>;

/**
 * Applies `--set key=value` edits to saved answers. A list answer (features, languages) takes
 * `+name` to add, `-name` to remove, or a comma-separated list (`none` for an empty one) to
 * replace it; any other answer takes the value as it is. Validation is the setup engine's job.
 */
export function applySet(answers: Answers, edits: string[]): Answers {
  const result: Answers = structuredClone(answers);
  for (const edit of edits) {
    const match = edit.match(/^([A-Za-z][\w-]*)=(.*)$/s);
    if (!match) throw new Error(`--set ${edit}: expected key=value, e.g. --set features=+jobs`);
    const [, key = '', value = ''] = match;
    const current = result[key];
    if (Array.isArray(current) || /^[+-]/.test(value)) {
      const list = Array.isArray(current) ? current.map(String) : [];
      if (value.startsWith('+')) {
        for (const item of value.slice(1).split(',')) if (!list.includes(item)) list.push(item);
        result[key] = list;
      } else if (value.startsWith('-')) {
        const removed = value.slice(1).split(',');
        result[key] = list.filter((item) => !removed.includes(item));
      } else {
        result[key] = value === 'none' || value === '' ? [] : value.split(',').map((v) => v.trim());
      }
    } else {
      result[key] = value;
    }
  }
  return result;
}

/** The answers as text, independent of key order. */
export const canonicalAnswers = (answers: Answers) =>
  JSON.stringify(answers, Object.keys(answers).sort());
export const sameAnswers = (a: Answers, b: Answers) => canonicalAnswers(a) === canonicalAnswers(b);

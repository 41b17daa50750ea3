// Three-way merge of JSON documents key by key: package.json (a dependency bump beside the
// project's own dependency is two different keys, not two adjacent lines) and locale files (new
// template keys beside the project's own keys and translations). Objects merge recursively; any
// other value (string, number, array) is taken whole from the side that changed it. When both
// sides changed the same value differently, the project's value stays and the conflict is listed.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export type ValueConflict = { key: string; base?: Json; ours?: Json; theirs?: Json };

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const same = (a: Json | undefined, b: Json | undefined) => JSON.stringify(a) === JSON.stringify(b);

export function mergeJson(
  base: Json | undefined,
  ours: Json | undefined,
  theirs: Json | undefined,
  key = '',
  conflicts: ValueConflict[] = [],
): { value: Json | undefined; conflicts: ValueConflict[] } {
  if (same(ours, theirs) || same(theirs, base)) return { value: ours, conflicts };
  if (same(ours, base)) return { value: theirs, conflicts };
  if (isObject(ours) && isObject(theirs)) {
    const parent = isObject(base) ? base : {};
    const merged: JsonObject = {};
    for (const name of orderedKeys(ours, theirs)) {
      const child = mergeJson(
        parent[name],
        ours[name],
        theirs[name],
        key ? `${key}.${name}` : name,
        conflicts,
      );
      if (child.value !== undefined) merged[name] = child.value;
    }
    return { value: merged, conflicts };
  }
  conflicts.push({ key, base: base ?? undefined, ours, theirs });
  return { value: ours, conflicts };
}

// The project's order, with keys only the template has placed after the key that precedes them
// in the template (so a sorted dependency list stays sorted).
function orderedKeys(ours: JsonObject, theirs: JsonObject): string[] {
  const keys = Object.keys(ours);
  let previous: string | undefined;
  for (const name of Object.keys(theirs)) {
    if (!keys.includes(name)) {
      const at = previous === undefined ? 0 : keys.indexOf(previous) + 1 || keys.length;
      keys.splice(at, 0, name);
    }
    previous = name;
  }
  return keys;
}

/**
 * package.json's `version` is the project's own: the template's release number must not become
 * the project's. The template's side is given the base's value, so only the project's counts.
 */
export function ignoreTemplateVersion(base: Json | undefined, theirs: Json | undefined) {
  if (!isObject(theirs)) return theirs;
  const { version: _, ...rest } = theirs;
  return isObject(base) && base.version !== undefined ? { ...theirs, version: base.version } : rest;
}

/** The files merged as data rather than as text. */
export const isDataMerged = (path: string) =>
  path === 'package.json' || /^locales\/[^/]+\/.+\.json$/.test(path);

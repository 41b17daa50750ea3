import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ID_FORMAT, randomId } from '../../src/core/data/ids.ts';

test('random ids are well formed and never repeat, across refills of the random pool', () => {
  const ids = Array.from({ length: 1_000 }, randomId);
  for (const id of ids) assert.match(id, ID_FORMAT);
  assert.equal(new Set(ids).size, ids.length);
  // 256 random bits each: no two ids share a long prefix by chance.
  assert.equal(new Set(ids.map((id) => id.slice(0, 8))).size, ids.length);
});

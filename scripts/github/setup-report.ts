// Setup workflow, when the answers are invalid: one comment on the issue listing every error. An
// edited issue that is still invalid updates that comment instead of adding another.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, issueEventSchema, markers, readEvent, setupDir, upsertComment } from './github.ts';

const event = readEvent(issueEventSchema);
const dir = setupDir();
await upsertComment(
  api(),
  event.issue.number,
  markers.errors,
  readFileSync(join(dir, 'errors.md'), 'utf8'),
);

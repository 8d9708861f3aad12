// pnpm docs:events: writes docs/events.asyncapi.json from the event and command catalogs of @operate/shared
// (built first). With --check it writes nothing and fails when the committed file differs (CI runs that).
import { readFileSync, writeFileSync } from 'node:fs';
import { CATALOG_VERSION, renderAsyncApi } from '../packages/shared/dist/asyncapi.js';

const target = new URL('../docs/events.asyncapi.json', import.meta.url);
const text = renderAsyncApi();

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // A missing file is as stale as a different one.
  }
  if (committed !== text) {
    process.stderr.write('docs/events.asyncapi.json does not match the event catalog: run `pnpm docs:events` and commit it\n');
    process.exit(1);
  }
  process.stdout.write('docs/events.asyncapi.json matches the event catalog\n');
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote docs/events.asyncapi.json (AsyncAPI 3.0.0, @operate/shared ${CATALOG_VERSION})\n`);
}

#!/usr/bin/env node
// Creates .env from .env.example on first run, filling every empty *_SECRET with a fresh random value;
// on later runs adds secrets that a newer .env.example introduced (e.g. PAYMENT_WEBHOOK_SECRET) and its
// NODE_OPTIONS line (Node.js options, which `--env-file` applies only if the file has them).
// With --built it first checks the API has been built, and says so instead of a raw MODULE_NOT_FOUND.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, '.env');
const example = readFileSync(join(root, '.env.example'), 'utf8');
const fresh = () => randomBytes(32).toString('base64url');
if (process.argv.includes('--built') && !existsSync(join(root, 'apps/api/dist/main.js'))) {
  process.stderr.write('The API is not built yet: run `pnpm build` first (npx -y pnpm@12.21.0 build).\n');
  process.exit(1);
}
if (!existsSync(target)) {
  const filled = example.replace(/^([A-Z_]+_SECRET)=$/gm, (_line, name) => `${name}=${fresh()}`);
  writeFileSync(target, filled, { mode: 0o600 });
  process.stdout.write('Created .env with fresh secrets (edit it to use PostgreSQL: DATABASE_URL)\n');
} else {
  const current = readFileSync(target, 'utf8');
  // [name, value] of each line the file lacks: a fresh value for a secret, the example's own for NODE_OPTIONS.
  const missing = [
    ...[...example.matchAll(/^([A-Z_]+_SECRET)=$/gm)].map((match) => [match[1], fresh()]),
    ...[...example.matchAll(/^(NODE_OPTIONS)=(.*)$/gm)].map((match) => [match[1], match[2]]),
  ].filter(([name]) => !new RegExp(`^${name}=`, 'm').test(current));
  if (missing.length > 0) {
    writeFileSync(target, `${current.replace(/\n?$/, '\n')}${missing.map(([name, value]) => `${name}=${value}`).join('\n')}\n`);
    process.stdout.write(`Added ${missing.map(([name]) => name).join(', ')} to .env\n`);
  }
}

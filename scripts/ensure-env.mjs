#!/usr/bin/env node
// Creates .env from .env.example on first run, filling the JWT secrets with fresh random values.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, '.env');
if (!existsSync(target)) {
  const example = readFileSync(join(root, '.env.example'), 'utf8');
  const filled = example.replace(/^(JWT_(ACCESS|REFRESH)_SECRET)=$/gm, (_line, name) => `${name}=${randomBytes(32).toString('base64url')}`);
  writeFileSync(target, filled, { mode: 0o600 });
  process.stdout.write('Created .env with fresh JWT secrets (edit it to use PostgreSQL: DATABASE_URL)\n');
}

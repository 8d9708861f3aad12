// pnpm docs:config: writes `.env.example` and docs/configuration.md from the settings declared in
// apps/api/src/config/config.ts (built first). With --check it writes nothing and fails when either differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { SECTIONS, settings } from '../apps/api/dist/config/config.js';

const all = settings();
const sectionsInOrder = Object.keys(SECTIONS).map((key) => ({
  title: SECTIONS[key],
  items: all.filter((item) => item.doc.section === key),
}));

/** Wraps a sentence into `# ` comment lines of at most 110 characters. */
function comment(text) {
  const lines = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length + word.length + 1 > 110) {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}

function envExample() {
  const head = [
    '# Operate API configuration. Generated from apps/api/src/config/config.ts by `pnpm docs:config`: edit it there.',
    '# Copy to .env (`pnpm demo` does it for you, with fresh random secrets); every variable is validated at start,',
    '# and a bad one stops the API with a message naming it. Empty means unset (the default applies).',
  ].join('\n');
  const body = sectionsInOrder.map(({ title, items }) =>
    [
      `# ── ${title} ──`,
      ...items.map((item) => `${comment(item.doc.doc)}\n${item.name}=${item.doc.shownDefault === undefined ? (item.default ?? '') : ''}`),
    ].join('\n\n'),
  );
  return `${head}\n\n${body.join('\n\n')}\n`;
}

const cell = (text) => text.replaceAll('|', '\\|');

function markdown() {
  const head = [
    '# Configuration',
    '',
    'Generated from `apps/api/src/config/config.ts` by `pnpm docs:config` (verify fails when it is stale): edit the',
    'settings there. The API reads the environment once at start; a missing or bad variable stops it with a message',
    'naming the variable. `.env.example` holds the same list; `pnpm demo` and `pnpm start` create `.env` from it (with',
    'fresh random `*_SECRET` values) when it is missing.',
  ].join('\n');
  const body = sectionsInOrder.map(({ title, items }) =>
    [
      `## ${title}`,
      '',
      '| variable | default | meaning |',
      '| --- | --- | --- |',
      ...items.map((item) => {
        const shown = item.doc.shownDefault ?? item.default;
        const value = shown !== undefined ? `\`${shown}\`` : item.required ? 'required' : 'unset';
        return `| \`${item.name}\` | ${cell(value)} | ${cell(item.doc.doc)} |`;
      }),
    ].join('\n'),
  );
  return `${head}\n\n${body.join('\n\n')}\n`;
}

const targets = [
  { file: new URL('../.env.example', import.meta.url), name: '.env.example', text: envExample() },
  { file: new URL('../docs/configuration.md', import.meta.url), name: 'docs/configuration.md', text: markdown() },
];

if (process.argv.includes('--check')) {
  let stale = false;
  for (const target of targets) {
    let committed = '';
    try {
      committed = readFileSync(target.file, 'utf8');
    } catch {
      // A missing file is as stale as a different one.
    }
    if (committed !== target.text) {
      process.stderr.write(`${target.name} does not match the settings in config.ts: run \`pnpm docs:config\` and commit it\n`);
      stale = true;
    }
  }
  if (stale) process.exit(1);
  process.stdout.write('.env.example and docs/configuration.md match the settings\n');
} else {
  for (const target of targets) writeFileSync(target.file, target.text);
  process.stdout.write(`wrote .env.example and docs/configuration.md (${all.length} settings)\n`);
}

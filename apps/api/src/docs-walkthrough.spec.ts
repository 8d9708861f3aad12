import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const docs = readFileSync(resolve(repo, 'docs', 'feature-modules.md'), 'utf8');

/** Every `<!-- snippet: path -->` followed by a fenced block: the block must appear in that file, line for line. */
const snippets = [...docs.matchAll(/<!-- snippet: (\S+) -->\s*```ts\n([\s\S]*?)\n```/g)].map(([, path, code]) => ({
  path: path ?? '',
  code: code ?? '',
}));

describe('the walk-through in docs/feature-modules.md', () => {
  it('has its snippets', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(7);
  });

  // Compared line by line without indentation: Prettier indents a snippet in Markdown as top-level code.
  const lines = (text: string) =>
    text
      .split('\n')
      .map((line) => line.trim())
      .join('\n');

  it.each(snippets.map((snippet) => [snippet.path, snippet.code] as const))('%s holds its snippet line for line', (path, code) => {
    expect(lines(readFileSync(resolve(repo, path), 'utf8'))).toContain(lines(code));
  });
});

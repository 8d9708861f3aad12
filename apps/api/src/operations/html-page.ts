/** Escapes text for HTML. */
export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** A JSON schema, folded: readable pages show it on demand. */
export function schemaBlock(label: string, schema: unknown): string {
  return `<details><summary>${escape(label)}</summary><pre>${escape(JSON.stringify(schema, null, 2))}</pre></details>`;
}

/** The reference pages' shell (`/docs/events`, `/docs/api`): static HTML, no script, one inline stylesheet. */
export function referencePage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:1000px;margin:2rem auto;padding:0 1rem;color:#1d2433}
table{border-collapse:collapse;width:100%}td{border-top:1px solid #dde3ec;padding:.5rem;vertical-align:top}
td:first-child{white-space:nowrap}pre{background:#f4f6fa;padding:.5rem;overflow:auto;font-size:12px}small{color:#5b6577}
nav a{margin-right:1rem}
</style></head><body>
<nav><a href="/docs/api">REST API</a><a href="/docs/events">Socket events</a></nav>
<h1>${escape(title)}</h1>
${body}
</body></html>
`;
}

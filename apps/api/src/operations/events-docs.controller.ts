import { Controller, Get, Header } from '@nestjs/common';
import { commandCatalog, eventNames } from '@operate/shared';
import { buildAsyncApi } from '@operate/shared/asyncapi';
import { Public } from '../auth/decorators.js';

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function schemaBlock(schema: unknown): string {
  return `<details><summary>payload schema</summary><pre>${escape(JSON.stringify(schema, null, 2))}</pre></details>`;
}

type Document = {
  info: { title: string; description: string };
  components: { messages: Record<string, { summary?: string; description?: string; payload: unknown }> };
};

/** The socket protocol, readable: every event and command, rendered from the AsyncAPI document itself. */
function renderPage(document: Document): string {
  const messages = document.components.messages;
  const row = (id: string, name: string, keys: string[]) => {
    const first = messages[keys[0] ?? ''];
    const schemas = keys.map((key) => schemaBlock(messages[key]?.payload)).join('');
    return `<tr id="${escape(id)}"><td><code>${escape(name)}</code></td><td>${escape(first?.summary ?? '')}<br><small>${escape(
      first?.description ?? '',
    )}</small>${schemas}</td></tr>`;
  };
  const events = eventNames.map((name) => row(name, name, [name])).join('\n');
  const commands = Object.keys(commandCatalog)
    .map((name) => row(`command-${name}`, name, [`command.${name}`, `ack.${name}`]))
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(document.info.title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:1000px;margin:2rem auto;padding:0 1rem;color:#1d2433}
table{border-collapse:collapse;width:100%}td{border-top:1px solid #dde3ec;padding:.5rem;vertical-align:top}
td:first-child{white-space:nowrap}pre{background:#f4f6fa;padding:.5rem;overflow:auto;font-size:12px}small{color:#5b6577}
</style></head><body>
<h1>${escape(document.info.title)}</h1>
<p>${escape(document.info.description)}</p>
<p>Machine-readable: <a href="/docs/events.json">AsyncAPI 3.0 document</a> (also committed as <code>docs/events.asyncapi.json</code>).</p>
<h2>Events (server → client)</h2>
<table>${events}</table>
<h2>Commands (client → server, acknowledged)</h2>
<table>${commands}</table>
</body></html>
`;
}

@Public()
@Controller('docs')
export class EventsDocsController {
  private readonly document = buildAsyncApi();
  private readonly page = renderPage(this.document as Document);

  @Get('events')
  @Header('content-type', 'text/html; charset=utf-8')
  html(): string {
    return this.page;
  }

  @Get('events.json')
  json(): object {
    return this.document;
  }
}

import { Controller, Get, Header } from '@nestjs/common';
import { commandCatalog, eventCatalog, eventNames, type ClientCommandName } from '@operate/shared';
import { buildAsyncApi } from '@operate/shared/asyncapi';
import { Public } from '../auth/decorators.js';

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function schemaBlock(schema: unknown): string {
  return `<details><summary>payload schema</summary><pre>${escape(JSON.stringify(schema, null, 2))}</pre></details>`;
}

/** The socket protocol, readable: every event and command of the catalog, from the same AsyncAPI document. */
function renderPage(): string {
  const document = buildAsyncApi() as {
    info: { title: string; description: string };
    components: { messages: Record<string, { description?: string; payload: unknown }> };
  };
  const messages = document.components.messages;
  const events = eventNames
    .map((name) => {
      const message = messages[name];
      return `<tr id="${escape(name)}"><td><code>${escape(name)}</code></td><td>${escape(eventCatalog[name].summary)}<br><small>${escape(
        message?.description ?? '',
      )}</small>${schemaBlock(message?.payload)}</td></tr>`;
    })
    .join('\n');
  const commands = (Object.keys(commandCatalog) as ClientCommandName[])
    .map((name) => {
      const definition = commandCatalog[name];
      return `<tr id="command-${escape(name)}"><td><code>${escape(name)}</code></td><td>${escape(definition.summary)}${
        definition.idempotent ? ' <small>(idempotent)</small>' : ''
      }${schemaBlock(messages[`command.${name}`]?.payload)}${schemaBlock(messages[`ack.${name}`]?.payload)}</td></tr>`;
    })
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
  private readonly page = renderPage();
  private readonly document = buildAsyncApi();

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

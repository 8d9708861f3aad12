import { Controller, Get, Header } from '@nestjs/common';
import { commandCatalog, eventNames } from '@operate/shared';
import { buildAsyncApi } from '@operate/shared/asyncapi';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/decorators.js';
import { escape, referencePage, schemaBlock } from './html-page.js';

type Document = {
  info: { title: string; description: string };
  components: {
    messages: Record<
      string,
      { summary?: string; description?: string; payload: unknown; 'x-operate-cache'?: { effect: string; views: string[] } }
    >;
  };
};

/** The socket protocol, readable: every event and command, rendered from the AsyncAPI document itself. */
function renderPage(document: Document): string {
  const messages = document.components.messages;
  const row = (id: string, name: string, keys: string[]) => {
    const first = messages[keys[0] ?? ''];
    const cache = first?.['x-operate-cache'];
    const effect = cache
      ? `<br><small>Dashboard cache: ${escape(cache.views.length > 0 ? `${cache.effect} ${cache.views.join(', ')}` : 'no change')}</small>`
      : '';
    const schemas = keys.map((key) => schemaBlock('payload schema', messages[key]?.payload)).join('');
    return `<tr id="${escape(id)}"><td><code>${escape(name)}</code></td><td>${escape(first?.summary ?? '')}<br><small>${escape(
      first?.description ?? '',
    )}</small>${effect}${schemas}</td></tr>`;
  };
  const events = eventNames.map((name) => row(name, name, [name])).join('\n');
  const commands = Object.keys(commandCatalog)
    .map((name) => row(`command-${name}`, name, [`command.${name}`, `ack.${name}`]))
    .join('\n');
  return referencePage(
    document.info.title,
    `<p>${escape(document.info.description)}</p>
<p>Machine-readable: <a href="/docs/events.json">AsyncAPI 3.0 document</a> (also committed as <code>docs/events.asyncapi.json</code>).</p>
<h2>Events (server → client)</h2>
<table>${events}</table>
<h2>Commands (client → server, acknowledged)</h2>
<table>${commands}</table>`,
  );
}

@Public()
@ApiExcludeController()
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

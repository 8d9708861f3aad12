import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { ApiExcludeController, type OpenAPIObject } from '@nestjs/swagger';
import { Public } from '../auth/decorators.js';
import { escape, referencePage, schemaBlock } from './html-page.js';

/** The app's OpenAPI document, built from the running app on first request (`configureApp` attaches the builder). */
@Injectable()
export class ApiDocument {
  private build: (() => Promise<OpenAPIObject>) | undefined;
  private built: Promise<{ document: OpenAPIObject; page: string }> | undefined;

  attach(build: () => Promise<OpenAPIObject>): void {
    this.build = build;
  }

  get(): Promise<{ document: OpenAPIObject; page: string }> {
    const build = this.build;
    if (!build) throw new Error('ApiDocument: configureApp attaches the builder before the app serves');
    this.built ??= build().then((document) => ({ document, page: renderPage(document) }));
    return this.built;
  }
}

type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: unknown }> }>;
  'x-roles'?: string[];
  'x-platform-roles'?: string[];
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Who may call a route, in words. */
function access(operation: Operation): string {
  if (operation.security?.length === 0) return 'no token';
  if (operation['x-platform-roles']) return `platform role ${operation['x-platform-roles'].join(' or ')}`;
  if (operation['x-roles']) return `organization role ${operation['x-roles'].join(' or ')}`;
  return 'any signed-in user';
}

/** The REST API, readable: every route grouped by tag, rendered from the OpenAPI document itself. */
function renderPage(document: OpenAPIObject): string {
  const schemas = document.components?.schemas ?? {};
  const resolve = (schema: unknown): unknown => {
    const ref = (schema as { $ref?: string } | undefined)?.$ref;
    return ref ? (schemas[ref.replace('#/components/schemas/', '')] ?? schema) : schema;
  };
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as Operation | undefined;
      if (!operation) continue;
      const tag = operation.tags?.[0] ?? 'Other';
      const parameters = (operation.parameters ?? [])
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => `<code>${escape(parameter.name)}</code>`)
        .join(', ');
      const body = operation.requestBody?.content['application/json']?.schema;
      const [status, success] = Object.entries(operation.responses).find(([key]) => /^2\d\d$/.test(key)) ?? [];
      const returned = success?.content?.['application/json']?.schema;
      const row = `<tr id="${escape(`${method}-${path}`)}"><td><code>${method.toUpperCase()} ${escape(path)}</code></td><td>${escape(
        operation.summary ?? '',
      )}<br><small>Access: ${escape(access(operation))}.${parameters ? ` Query: ${parameters}.` : ''} Success: ${escape(
        status ?? '',
      )}.</small>${body ? schemaBlock('request body', resolve(body)) : ''}${returned ? schemaBlock('response body', resolve(returned)) : ''}</td></tr>`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), row]);
    }
  }
  const sections = [...byTag.entries()].map(([tag, rows]) => `<h2>${escape(tag)}</h2>\n<table>${rows.join('\n')}</table>`).join('\n');
  return referencePage(
    document.info.title,
    `<p>${escape(document.info.description ?? '')}</p>
<p>Machine-readable: <a href="/docs/api.json">OpenAPI 3 document</a> (also committed as <code>docs/openapi.json</code>).
Every error: <code>{ statusCode, code, message, errors? }</code>.</p>
${sections}`,
  );
}

@Public()
@ApiExcludeController()
@Controller('docs')
export class ApiDocsController {
  constructor(private readonly api: ApiDocument) {}

  @Get('api')
  @Header('content-type', 'text/html; charset=utf-8')
  async html(): Promise<string> {
    return (await this.api.get()).page;
  }

  @Get('api.json')
  async json(): Promise<OpenAPIObject> {
    return (await this.api.get()).document;
  }
}

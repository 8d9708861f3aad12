import { readFileSync } from 'node:fs';
import { HttpStatus, RequestMethod, type INestApplication } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { ApiResponse, DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { z } from 'zod';
import { OPENAPI_PUBLIC, RETURNS } from '../common/openapi.js';

/** The security scheme every route needs unless it is marked public: the access token. */
const BEARER = 'bearer';

const DESCRIPTION = [
  "Operate's REST API, generated from its controllers and DTOs (`pnpm docs:openapi`). Every route needs",
  '`Authorization: Bearer <access token>` from `POST /auth/login` unless it says otherwise. Every error has the',
  'same body, `{ statusCode, code, message, errors? }`: switch on `code`. Changes reach clients as socket.io',
  'events: see `/docs/events`.',
].join(' ');

type Operation = { security?: unknown[]; responses: Record<string, object>; [extension: `x-${string}`]: unknown };

/** The API package's version, the document's `info.version`. */
export function apiVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

let metadataLoaded: Promise<void> | undefined;

/**
 * Loads what the swagger plugin read from the source (DTO fields and their validation, doc comments as
 * summaries): `scripts/openapi-metadata.mjs` writes it at build time (`pnpm build`), so the document is the same whether the
 * code was compiled by tsc or swc.
 */
function loadPluginMetadata(): Promise<void> {
  metadataLoaded ??= SwaggerModule.loadPluginMetadata(async () => {
    // Named through a variable: the generator type-checks this project before the file exists.
    const generated = '../generated/openapi-metadata.js';
    const module = (await import(generated)) as { default: () => Promise<Record<string, unknown>> };
    return module.default();
  });
  return metadataLoaded;
}

/** The whole REST API as an OpenAPI 3 document, deterministic so the committed copy can be compared. */
export async function buildOpenApi(app: INestApplication, version: string): Promise<OpenAPIObject> {
  await loadPluginMetadata();
  const config = new DocumentBuilder()
    .setTitle('Operate REST API')
    .setDescription(DESCRIPTION)
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER)
    .addSecurityRequirements(BEARER)
    .build();
  fileReturnedSchemas(app);
  const document = SwaggerModule.createDocument(app, config);
  document.components ??= {};
  document.components.schemas = {
    ...document.components.schemas,
    Error: {
      type: 'object',
      required: ['statusCode', 'code', 'message'],
      properties: {
        statusCode: { type: 'integer', example: 404 },
        code: { type: 'string', description: 'Stable: switch on it.', example: 'not_found' },
        message: { type: 'string', example: 'invoice not found' },
        errors: {
          type: 'array',
          description: 'Per field, on a 400 `validation_failed`.',
          items: {
            type: 'object',
            required: ['field', 'messages'],
            properties: { field: { type: 'string' }, messages: { type: 'array', items: { type: 'string' } } },
          },
        },
      },
    },
  };
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method] as Operation | undefined;
      if (operation) finishOperation(operation);
    }
  }
  const { openapi, info, servers, security, tags, paths, components } = sortKeys(document);
  return { openapi, info, servers, security, tags, paths, components };
}

function finishOperation(operation: Operation): void {
  if (operation[OPENAPI_PUBLIC]) {
    operation.security = [];
    delete operation[OPENAPI_PUBLIC];
  }
  operation.responses.default = {
    description: 'A coded error (400 validation, 401, 403, 404, 409, 422, 429 with Retry-After, 503).',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
}

const filed = new WeakSet<object>();

/** Turns each `@Returns(schema)` into a response under the route's real success status (once per route). */
function fileReturnedSchemas(app: INestApplication): void {
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      const prototype = (metatype as { prototype?: Record<string, unknown> } | null)?.prototype;
      if (!prototype) continue;
      for (const key of Object.getOwnPropertyNames(prototype)) {
        const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
        const handler: unknown = descriptor?.value;
        if (typeof handler !== 'function' || filed.has(handler)) continue;
        const schema = Reflect.getMetadata(RETURNS, handler) as z.ZodType | undefined;
        if (!schema || !descriptor) continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
        const status =
          (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ??
          (method === RequestMethod.POST ? HttpStatus.CREATED : HttpStatus.OK);
        ApiResponse({ status, description: '', standardSchema: schema })(prototype, key, descriptor);
        filed.add(handler);
      }
    }
  }
}

function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, child]) => [key, sortKeys(child)])) as T;
}

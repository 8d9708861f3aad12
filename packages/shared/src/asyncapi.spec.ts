import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import specs from '@asyncapi/specs';
import { Ajv } from 'ajv';
import { buildAsyncApi, CATALOG_VERSION, renderAsyncApi } from './asyncapi.js';
import { eventCatalog, eventNames } from './catalog.js';
import { commandCatalog } from './protocol.js';

const root = new URL('../../../', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('packages/shared/package.json', root), 'utf8')) as { version: string };

describe(buildAsyncApi.name, () => {
  it("carries the package's version", () => {
    expect(CATALOG_VERSION).toBe(version);
  });

  it('is what docs/events.asyncapi.json holds (run `pnpm docs:events` after changing the catalog)', () => {
    expect(readFileSync(new URL('docs/events.asyncapi.json', root), 'utf8')).toBe(renderAsyncApi(version));
  });

  it('is a valid AsyncAPI 3.0.0 document', () => {
    // The bundled spec carries its own copy of the draft-07 meta-schema: Ajv's would be a second one.
    const ajv = new Ajv({ meta: false, validateSchema: false, strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile(specs.schemas['3.0.0'] as object);
    const valid = validate(buildAsyncApi(version));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('describes every event (received, with its envelope) and every command (sent, with its ack reply)', () => {
    const document = buildAsyncApi(version) as {
      operations: Record<string, { action: string; reply?: unknown }>;
      components: { messages: Record<string, { summary?: string; payload: { properties?: Record<string, unknown> } }> };
    };
    for (const name of eventNames) {
      expect(document.operations[`receive.${name}`]?.action).toBe('receive');
      const message = document.components.messages[name];
      expect(message?.summary).toBe(eventCatalog[name].summary);
      expect(Object.keys(message?.payload.properties ?? {})).toEqual(['id', 'type', 'occurredAt', 'cursor', 'payload']);
    }
    for (const name of Object.keys(commandCatalog)) {
      expect(document.operations[`send.${name}`]).toMatchObject({ action: 'send', reply: expect.anything() });
    }
  });

  it('types the payload from the catalog schema (e.g. invoice.paid requires its fields, money as a decimal string)', () => {
    const document = buildAsyncApi(version) as {
      components: {
        messages: Record<
          string,
          { payload: { properties: { payload: { required: string[]; properties: Record<string, { pattern?: string }> } } } }
        >;
      };
    };
    const paid = document.components.messages['invoice.paid']?.payload.properties.payload;
    expect(paid?.required).toEqual(expect.arrayContaining(['invoiceId', 'invoiceNumber', 'total', 'currency', 'paidAt']));
    expect(paid?.properties.total?.pattern).toBe('^-?\\d+\\.\\d{2}$');
  });
});

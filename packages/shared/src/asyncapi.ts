import { z } from 'zod';
import { cacheRules } from './cache/rules.js';
import { eventCatalog, eventNames, ProtocolEvent, type EventName, type PublishableEvent } from './catalog.js';
import { commandCatalog, ErrorCode, type ClientCommandName } from './protocol.js';
import { ScopeKind } from './scopes.js';

// The AsyncAPI 3 description of the socket protocol, built from the catalogs alone (no hand-written copy):
// `pnpm docs:events` writes it to docs/events.asyncapi.json and a test fails when that file is stale.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** @operate/shared's version, which the document carries (a test keeps the two equal). */
export const CATALOG_VERSION = '0.1.0';

const protocolEvents = new Set<string>(Object.values(ProtocolEvent));

const scopeMeaning: Record<ScopeKind, string> = {
  [ScopeKind.Organization]: "every member of the event's organization (room org:<id>)",
  [ScopeKind.User]: 'every socket of one user (room user:<id>)',
  [ScopeKind.Family]: 'every member of one family (room family:<id>)',
  [ScopeKind.Escrow]: 'sockets subscribed to one escrow (room escrow:<id>)',
  [ScopeKind.Marketplace]: 'sockets that joined the marketplace (room marketplace)',
  [ScopeKind.Broadcast]: 'every connected socket',
  [ScopeKind.Connection]: 'the one socket (protocol event: not stored, not replayed)',
};

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  // The document carries one dialect for all: AsyncAPI's default Schema Object.
  delete json.$schema;
  return json;
}

function envelopeSchema(name: EventName): JsonObject {
  const isProtocol = protocolEvents.has(name);
  return {
    type: 'object',
    required: ['id', 'type', 'occurredAt', 'cursor', 'payload'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', format: 'uuid', description: 'Unique per event: drop a second copy by it.' },
      type: { type: 'string', const: name },
      occurredAt: { type: 'string', format: 'date-time', description: 'When the event was published.' },
      cursor: isProtocol
        ? { type: 'null', description: 'Protocol events belong to one connection and have no place in the stream.' }
        : {
            type: 'integer',
            minimum: 1,
            description: 'Position in the stream, increasing in delivery order: resume from the last one seen.',
          },
      payload: schemaOf(eventCatalog[name].payload, 'output'),
    },
  };
}

const ackError: JsonObject = {
  type: 'object',
  required: ['ok', 'error'],
  properties: {
    ok: { const: false },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string', enum: Object.values(ErrorCode) }, message: { type: 'string' } },
    },
  },
};

function ackSchema(name: ClientCommandName): JsonObject {
  return {
    oneOf: [
      {
        type: 'object',
        required: ['ok', 'data'],
        properties: { ok: { const: true }, data: schemaOf(commandCatalog[name].response, 'output') },
      },
      ackError,
    ],
  };
}

/** What the event does to the dashboard's cached views (`cacheRules` in `@operate/shared/cache`). */
function cacheEffect(name: PublishableEvent): JsonObject {
  const { effect, views } = cacheRules[name];
  return { effect, views: [...views] };
}

/** The AsyncAPI 3.0 document for the socket protocol: every event and command of the catalogs. */
export function buildAsyncApi(version = CATALOG_VERSION): JsonObject {
  const messages: JsonObject = {};
  const channelMessages: JsonObject = {};
  const operations: JsonObject = {};

  for (const name of eventNames) {
    const definition = eventCatalog[name];
    messages[name] = {
      name,
      title: name,
      summary: definition.summary,
      description: `Goes to ${definition.scopes.map((scope) => scopeMeaning[scope]).join('; or ')}.`,
      payload: envelopeSchema(name),
      'x-operate-scopes': [...definition.scopes],
      ...(Object.hasOwn(cacheRules, name) ? { 'x-operate-cache': cacheEffect(name as PublishableEvent) } : {}),
    };
    channelMessages[name] = { $ref: `#/components/messages/${name}` };
    operations[`receive.${name}`] = {
      action: 'receive',
      channel: { $ref: '#/channels/socket' },
      summary: definition.summary,
      messages: [{ $ref: `#/channels/socket/messages/${name}` }],
    };
  }

  for (const name of Object.keys(commandCatalog) as ClientCommandName[]) {
    const definition = commandCatalog[name];
    const request = `command.${name}`;
    const reply = `ack.${name}`;
    messages[request] = {
      name,
      title: name,
      summary: definition.summary,
      description: `Sent with an acknowledgement callback${definition.idempotent ? '; idempotent (may be queued while offline)' : ''}.`,
      payload: schemaOf(definition.request, 'input'),
    };
    messages[reply] = { name: `${name} (ack)`, title: `${name} acknowledgement`, payload: ackSchema(name) };
    channelMessages[request] = { $ref: `#/components/messages/${request}` };
    channelMessages[reply] = { $ref: `#/components/messages/${reply}` };
    operations[`send.${name}`] = {
      action: 'send',
      channel: { $ref: '#/channels/socket' },
      summary: definition.summary,
      messages: [{ $ref: `#/channels/socket/messages/${request}` }],
      reply: { channel: { $ref: '#/channels/socket' }, messages: [{ $ref: `#/channels/socket/messages/${reply}` }] },
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Operate real-time events',
      version,
      description:
        "Operate's socket.io protocol. Connect with `io(url, { auth: { token, cursor?, subscriptions? } })`; a refused " +
        'handshake is a connect_error whose message is a stable code. Every server→client event is an envelope ' +
        '`{ id, type, occurredAt, cursor, payload }`; every client→server command is acknowledged with ' +
        '`{ ok: true, data } | { ok: false, error: { code, message } }`. Generated from @operate/shared.',
    },
    defaultContentType: 'application/json',
    servers: {
      api: {
        host: '127.0.0.1:3000',
        protocol: 'ws',
        pathname: '/socket.io/',
        description: 'socket.io 4 (Engine.IO v4) on the API; the access token goes in the handshake, never the URL.',
      },
    },
    channels: {
      socket: {
        address: '/',
        title: 'The default socket.io namespace',
        description: 'Rooms are derived from the account on every (re)connect; subscriptions (subscribe { topic, … }) add topic rooms.',
        messages: channelMessages,
      },
    },
    operations,
    components: { messages },
  };
}

/** The committed file's text: stable key order, two-space indent, final newline. */
export function renderAsyncApi(version = CATALOG_VERSION): string {
  return `${JSON.stringify(buildAsyncApi(version), null, 2)}\n`;
}

import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { InvoiceEvent, type EventEnvelope } from '@operate/shared';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { DATABASE_URL, PrismaService } from '../prisma/prisma.service.js';
import { EventsService } from './events.service.js';
import { SocketServerRef } from './socket-server.ref.js';
import type { OperateServer } from './socket-types.js';

/** Records what reaches the socket server, per room. */
function recordingServer() {
  const delivered: { room: string | undefined; envelope: EventEnvelope }[] = [];
  const emitter = (room: string | undefined) => ({
    emit: (_event: string, envelope: EventEnvelope) => {
      delivered.push({ room, envelope });
      return true;
    },
  });
  const server = { ...emitter(undefined), to: (room: string) => emitter(room) };
  return { server: server as unknown as OperateServer, delivered };
}

describe(`${EventsService.name} with a real database`, () => {
  let database: TestDatabase;
  let prisma: PrismaService;
  let events: EventsService;
  let organizationId: string;
  const { server, delivered } = recordingServer();

  const payload = () => ({
    invoiceId: crypto.randomUUID(),
    organizationId,
    invoiceNumber: 'INV-1',
    customerName: 'Acme',
    total: '1.00',
    currency: 'EUR',
    status: 'DRAFT' as const,
    dueAt: new Date().toISOString(),
    sentAt: null,
    paidAt: null,
    updatedAt: new Date().toISOString(),
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    const moduleRef = await Test.createTestingModule({
      providers: [EventsService, SocketServerRef, PrismaService, { provide: DATABASE_URL, useValue: database.url }],
    }).compile();
    moduleRef.get(SocketServerRef).set(server);
    prisma = moduleRef.get(PrismaService);
    events = moduleRef.get(EventsService);
    organizationId = (await prisma.organization.create({ data: { name: 'Tx', slug: 'tx' } })).id;
  });

  afterAll(async () => {
    await prisma.$disconnect();
    await database.close();
  });

  beforeEach(() => {
    delivered.length = 0;
  });

  it('delivers an event published in a transaction only after it commits', async () => {
    let deliveredInside = -1;
    await prisma.transaction(async (tx) => {
      await tx.organization.update({ where: { id: organizationId }, data: { name: 'Committed' } });
      await events.toOrganization(organizationId).emit(InvoiceEvent.Created, payload(), { tx });
      deliveredInside = delivered.length;
    });
    expect(deliveredInside).toBe(0);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.room).toBe(`org:${organizationId}`);
  });

  it('delivers nothing for a transaction that rolls back', async () => {
    await expect(
      prisma.transaction(async (tx) => {
        await tx.organization.update({ where: { id: organizationId }, data: { name: 'Rolled back' } });
        await events.toOrganization(organizationId).emit(InvoiceEvent.Created, payload(), { tx });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect(delivered).toHaveLength(0);
    expect((await prisma.organization.findUniqueOrThrow({ where: { id: organizationId } })).name).toBe('Committed');
  });

  it('refuses a transaction it cannot follow to its commit', async () => {
    await expect(
      prisma.$transaction(async (tx) => events.toOrganization(organizationId).emit(InvoiceEvent.Created, payload(), { tx })),
    ).rejects.toMatchObject({ code: 'transaction_not_joinable' });
    expect(delivered).toHaveLength(0);
  });

  it('delivers at once without a transaction', async () => {
    const envelope = await events.toOrganization(organizationId).emit(InvoiceEvent.Created, payload());
    expect(delivered.map((entry) => entry.envelope.id)).toEqual([envelope.id]);
  });
});

import { Injectable } from '@nestjs/common';
import type { EventEnvelope, EventName } from '@operate/shared';
import { PrismaService } from '../prisma/prisma.service.js';

/** What the relay leader sends to every node: the event and the audiences (rooms, or *) it is for. */
export interface BusMessage {
  readonly audiences: readonly string[];
  readonly envelope: EventEnvelope;
}

export interface OutboxRow {
  id: string;
  type: string;
  audiences: string[];
  payload: unknown;
  occurredAt: Date;
  cursor: bigint | string | number;
}

export function toBusMessage(row: OutboxRow): BusMessage {
  return {
    audiences: row.audiences,
    envelope: {
      id: row.id,
      type: row.type as EventName,
      occurredAt: row.occurredAt.toISOString(),
      cursor: Number(row.cursor),
      payload: row.payload,
    } as EventEnvelope,
  };
}

export interface RelayProgress {
  readonly assignedCursor: number;
  readonly deliveredCursor: number;
  readonly prunedThrough: number;
}

/** Reads of the delivered stream: for replay, and for a node repairing a gap in what reached it. */
@Injectable()
export class EventStore {
  constructor(private readonly prisma: PrismaService) {}

  async progress(): Promise<RelayProgress> {
    const state = await this.prisma.relayState.findUniqueOrThrow({ where: { id: 1 } });
    return {
      assignedCursor: Number(state.assignedCursor),
      deliveredCursor: Number(state.deliveredCursor),
      prunedThrough: Number(state.prunedThrough),
    };
  }

  /** Events with after < cursor ≤ upTo, in cursor order, optionally only those for any of these audiences. */
  async range(after: number, upTo: number, options: { audiences?: readonly string[]; limit?: number } = {}): Promise<BusMessage[]> {
    const rows = await this.prisma.eventOutbox.findMany({
      where: {
        cursor: { gt: BigInt(after), lte: BigInt(upTo) },
        ...(options.audiences ? { audiences: { hasSome: [...options.audiences] } } : {}),
      },
      orderBy: { cursor: 'asc' },
      ...(options.limit ? { take: options.limit } : {}),
    });
    return rows.map((row) => toBusMessage({ ...row, cursor: row.cursor ?? 0 }));
  }
}

import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../config/config.js';
import { BUS_EVENT, EventBus } from './event-bus.js';
import type { EventFanout } from './fanout.service.js';
import type { BusMessage } from './outbox.repository.js';
import { SocketServerRef } from '../gateway/socket-server.ref.js';
import type { OperateServer } from '../gateway/socket-types.js';
import { busMessage as message } from './testing/bus-messages.js';

function bus(settings: Record<string, string>) {
  const config = loadConfig({ JWT_ACCESS_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'r'.repeat(32), ...settings });
  const local: number[] = [];
  const sent: number[][] = [];
  const ref = new SocketServerRef();
  ref.set({
    on: () => undefined,
    serverSideEmit: (event: string, messages: BusMessage[]) => {
      expect(event).toBe(BUS_EVENT);
      sent.push(messages.map((each) => each.envelope.cursor));
    },
  } as unknown as OperateServer);
  const fanout = { receive: (messages: readonly BusMessage[]) => local.push(...messages.map((each) => each.envelope.cursor)) };
  return { bus: new EventBus(ref, fanout as unknown as EventFanout, config), local, sent };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(EventBus.name, () => {
  it("hands each batch to this node's fan-out at once, and gathers the other nodes' into one message per interval", async () => {
    const { bus: events, local, sent } = bus({ REDIS_URL: 'redis://127.0.0.1:1', RELAY_NODES_FLUSH_MS: '30' });
    events.publish([message(1), message(2)]);
    events.publish([message(3)]);
    events.publish([message(4)]);
    expect(local).toEqual([1, 2, 3, 4]);
    expect(sent).toEqual([]);
    await sleep(60);
    expect(sent).toEqual([[1, 2, 3, 4]]);
    events.publish([message(5)]);
    await sleep(60);
    expect(sent).toEqual([[1, 2, 3, 4], [5]]);
  });

  it('sends what it gathered when the leader stops, and each batch at once with an interval of 0', () => {
    const gathering = bus({ REDIS_URL: 'redis://127.0.0.1:1', RELAY_NODES_FLUSH_MS: '1000' });
    gathering.bus.publish([message(1)]);
    gathering.bus.flush();
    expect(gathering.sent).toEqual([[1]]);
    gathering.bus.onModuleDestroy();
    expect(gathering.sent).toEqual([[1]]);

    const immediate = bus({ REDIS_URL: 'redis://127.0.0.1:1', RELAY_NODES_FLUSH_MS: '0' });
    immediate.bus.publish([message(1)]);
    immediate.bus.publish([message(2)]);
    expect(immediate.sent).toEqual([[1], [2]]);
  });

  it('sends nothing to other nodes without Redis', async () => {
    const { bus: events, local, sent } = bus({ RELAY_NODES_FLUSH_MS: '1' });
    events.publish([message(1)]);
    await sleep(20);
    expect(local).toEqual([1]);
    expect(sent).toEqual([]);
  });
});

import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Server } from 'socket.io';
import { BenchClient, Counters } from './client.js';
import { CommitLoad, listenAlso } from './workload.js';

/** A database that takes one write at a time, each `ms` long. */
function oneAtATime(ms: number) {
  let queue = Promise.resolve();
  let written = 0;
  return () => {
    const write = queue.then(() => sleep(ms)).then(() => `invoice-${++written}`);
    queue = write.then(() => undefined);
    return write;
  };
}

describe(CommitLoad.name, () => {
  it('counts only the writes committed while the load ran as its rate, not the queue the drain finished', async () => {
    // 1,000 writes a second offered to a database that commits at most 200 a second: a queue grows.
    const load = new CommitLoad(['org-1'], oneAtATime(5));
    load.start(1_000);
    await sleep(200);
    const result = await load.stop();
    expect(result.failures).toBe(0);
    expect(result.commits.length).toBeGreaterThan(150);
    expect(result.committedWhileOffered).toBeLessThanOrEqual(45);
  });

  it('counts every write of a load the database keeps up with', async () => {
    const load = new CommitLoad(['org-1'], () => Promise.resolve('invoice'));
    load.start(1_000);
    await sleep(200);
    const result = await load.stop();
    expect(result.commits.length).toBeGreaterThan(150);
    expect(result.committedWhileOffered).toBe(result.commits.length);
  });
});

describe(listenAlso.name, () => {
  it('hands the connections of its ports to the server, which upgrades and attaches them as its own', async () => {
    const http = createServer();
    const io = new Server(http);
    const users: unknown[] = [];
    io.on('connection', (socket) => users.push((socket.handshake.auth as { userId?: unknown }).userId));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const others = await listenAlso(http, 2);
    try {
      const ports = [(http.address() as AddressInfo).port, ...others.ports];
      expect(new Set(ports).size).toBe(3);
      const clients = ports.map(
        (_, index) =>
          new BenchClient(index, { auth: { userId: `u${index}` }, organizationId: 'o1', userId: `u${index}` }, 'bare', new Counters()),
      );
      await Promise.all(clients.map((client, index) => client.open(`http://127.0.0.1:${ports[index]}`, 2_000)));
      expect(users.sort()).toEqual(['u0', 'u1', 'u2']);
      expect(io.engine.clientsCount).toBe(3);
      clients.forEach((client) => client.drop());

      others.close();
      const refused = await new Promise<string>((resolve) =>
        connect(others.ports[0] ?? 0, '127.0.0.1')
          .on('connect', () => resolve('connected'))
          .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message)),
      );
      expect(refused).toBe('ECONNREFUSED');
    } finally {
      others.close();
      await io.close();
    }
  });
});

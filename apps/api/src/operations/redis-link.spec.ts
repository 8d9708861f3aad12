import { describe, expect, it } from '@jest/globals';
import { reportUnawaitedFailures } from './redis-link.js';

/** A client whose connection has just died: every command sent rejects, as node-redis does with in-flight ones. */
class DeadClient {
  sent: string[] = [];
  publish(channel: string, message: string): Promise<number> {
    this.sent.push(`${channel} ${message}`);
    return Promise.reject(new Error('read ECONNRESET'));
  }
  ping(): Promise<string> {
    return Promise.reject(new Error('read ECONNRESET'));
  }
}

describe(reportUnawaitedFailures.name, () => {
  it('reports a publish nobody awaits (it would otherwise end the process) and still sends it', async () => {
    const reported: [string, string][] = [];
    const client = reportUnawaitedFailures(new DeadClient(), (command, error) => reported.push([command, (error as Error).message]));
    // As the socket.io adapter does: fire and forget.
    void client.publish('socket.io#/#', 'packet');
    await new Promise((resolve) => setImmediate(resolve));
    expect(reported).toEqual([['publish', 'read ECONNRESET']]);
    expect(client.sent).toEqual(['socket.io#/# packet']);
  });

  it('leaves the failure to whoever awaits it, and other commands as they were', async () => {
    const reported: string[] = [];
    const client = reportUnawaitedFailures(new DeadClient(), (command) => reported.push(command));
    await expect(client.publish('relay', 'batch')).rejects.toThrow('read ECONNRESET');
    await expect(client.ping()).rejects.toThrow('read ECONNRESET');
    expect(reported).toEqual(['publish']);
  });
});

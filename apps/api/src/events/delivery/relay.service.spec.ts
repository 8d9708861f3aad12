import { describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { loadConfig } from '../../config/config.js';
import { Metrics } from '../../operations/metrics.service.js';
import type { EventBus } from './event-bus.js';
import type { OutboxRepository } from './outbox.repository.js';
import { RelayService } from './relay.service.js';

/** A relay that does not lead (never started), over an outbox whose NOTIFYs answer when the spec says. */
function followerRelay() {
  const config = loadConfig({ JWT_ACCESS_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'r'.repeat(32) });
  const answers: (() => void)[] = [];
  const wakeRelay = jest.fn(() => new Promise<void>((resolve) => answers.push(resolve)));
  const outbox = { wakeRelay } as unknown as OutboxRepository;
  const relay = new RelayService('postgresql://unused', config, {} as EventBus, new Metrics(), outbox);
  /** Answers the NOTIFY in flight, then lets the relay act on it. */
  const answer = async () => {
    answers.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { relay, wakeRelay, answer };
}

describe('RelayService on a node that does not lead', () => {
  it('wakes the leader once per NOTIFY in flight, and once more for the commits made while it was', async () => {
    const { relay, wakeRelay, answer } = followerRelay();
    relay.committed();
    relay.committed();
    relay.committed();
    expect(wakeRelay).toHaveBeenCalledTimes(1);
    // The first NOTIFY may have reached the leader before the last two commits: one more covers them.
    await answer();
    expect(wakeRelay).toHaveBeenCalledTimes(2);
    await answer();
    expect(wakeRelay).toHaveBeenCalledTimes(2);
    relay.committed();
    expect(wakeRelay).toHaveBeenCalledTimes(3);
  });

  it('says so when a NOTIFY fails, and wakes the leader again at the next commit', async () => {
    const { relay, wakeRelay } = followerRelay();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    wakeRelay.mockImplementationOnce(() => Promise.reject(new Error('connection refused')));
    relay.committed();
    await new Promise((resolve) => setImmediate(resolve));
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ msg: 'could not wake the relay leader; it polls', error: 'connection refused' }),
    );
    warn.mockRestore();
    wakeRelay.mockImplementationOnce(() => Promise.resolve());
    relay.committed();
    expect(wakeRelay).toHaveBeenCalledTimes(2);
  });
});

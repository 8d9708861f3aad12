import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../config/config.js';
import { clientAddress, trustProxy } from './client-address.js';

const from = (peer: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress: peer }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }) as unknown as IncomingMessage;

describe('the client address behind proxies (TRUST_PROXY)', () => {
  it('trusts nobody by default: a forged X-Forwarded-For changes nothing', () => {
    expect(clientAddress(from('203.0.113.9', '198.51.100.1'), trustProxy(''))).toBe('203.0.113.9');
  });

  it('believes the header only from the listed proxies, and only as far as they go', () => {
    const loopback = trustProxy('loopback');
    expect(clientAddress(from('127.0.0.1', '198.51.100.1'), loopback)).toBe('198.51.100.1');
    // Sent by the client itself, the header cannot move it off its own address.
    expect(clientAddress(from('203.0.113.9', '198.51.100.1'), loopback)).toBe('203.0.113.9');
    // A client prepending a forged address still gets the one the trusted proxy saw.
    expect(clientAddress(from('127.0.0.1', '10.6.6.6, 198.51.100.1'), loopback)).toBe('198.51.100.1');
    expect(clientAddress(from('10.0.0.5', '198.51.100.1'), trustProxy('10.0.0.0/8'))).toBe('198.51.100.1');
  });

  it('counts hops when given a number', () => {
    expect(clientAddress(from('10.0.0.5', '198.51.100.1, 10.0.0.4'), trustProxy('2'))).toBe('198.51.100.1');
    expect(clientAddress(from('10.0.0.5', '198.51.100.1, 10.0.0.4'), trustProxy('1'))).toBe('10.0.0.4');
  });

  it('refuses a setting that is none of these, naming it', () => {
    const secrets = { JWT_ACCESS_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'b'.repeat(32) };
    expect(() => loadConfig({ ...secrets, TRUST_PROXY: 'the proxy' })).toThrow(/TRUST_PROXY/);
  });
});

import { describe, expect, it } from '@jest/globals';
import { EscrowStatus, PaymentStatus } from '@operate/shared';
import { PaymentEventType } from './dto/escrow.dto.js';
import { applyPayment } from './escrow-rules.js';
import { signatureHeader, verifySignature } from './payment-signature.js';

const state = (status: EscrowStatus, paymentStatus: PaymentStatus) => ({ status, paymentStatus });

describe('applyPayment', () => {
  it.each([
    [PaymentEventType.Processing, state('INITIATED', 'AWAITING_PAYMENT'), state('INITIATED', 'PROCESSING')],
    [PaymentEventType.Processing, state('INITIATED', 'FAILED'), state('INITIATED', 'PROCESSING')],
    [PaymentEventType.Captured, state('INITIATED', 'PROCESSING'), state('HELD', 'CAPTURED')],
    [PaymentEventType.Captured, state('INITIATED', 'AWAITING_PAYMENT'), state('HELD', 'CAPTURED')],
    [PaymentEventType.Failed, state('INITIATED', 'PROCESSING'), state('INITIATED', 'FAILED')],
    [PaymentEventType.Refunded, state('HELD', 'CAPTURED'), state('REFUNDED', 'REFUNDED')],
    [PaymentEventType.Refunded, state('DISPUTED', 'CAPTURED'), state('REFUNDED', 'REFUNDED')],
    // An admin's refund resolution is confirmed by the provider later.
    [PaymentEventType.Refunded, state('REFUNDED', 'CAPTURED'), state('REFUNDED', 'REFUNDED')],
  ] as const)('%s moves %j to %j', (type, from, to) => {
    expect(applyPayment(type, from)).toEqual({ ok: true, next: to });
  });

  it.each([
    [PaymentEventType.Captured, state('HELD', 'CAPTURED')],
    [PaymentEventType.Captured, state('RELEASED', 'CAPTURED')],
    [PaymentEventType.Failed, state('HELD', 'CAPTURED')],
    [PaymentEventType.Processing, state('INITIATED', 'PROCESSING')],
    [PaymentEventType.Refunded, state('INITIATED', 'AWAITING_PAYMENT')],
    [PaymentEventType.Refunded, state('RELEASED', 'CAPTURED')],
    [PaymentEventType.Refunded, state('REFUNDED', 'REFUNDED')],
  ] as const)('refuses %s on %j', (type, from) => {
    expect(applyPayment(type, from)).toMatchObject({ ok: false, message: expect.stringContaining(from.status) });
  });
});

describe('verifySignature', () => {
  const secret = 's'.repeat(32);
  const body = Buffer.from('{"id":"evt_1"}');
  const now = 1_800_000_000;

  it('accepts the provider signature over the raw body within the tolerance', () => {
    expect(verifySignature(signatureHeader(secret, body, now - 299), body, secret, 300, now)).toEqual({ ok: true });
    // During a secret rotation the provider sends one v1 per secret.
    const rotated = `${signatureHeader('o'.repeat(32), body, now)},v1=${signatureHeader(secret, body, now).split('v1=')[1]}`;
    expect(verifySignature(rotated, body, secret, 300, now)).toEqual({ ok: true });
  });

  it.each([
    ['no header', undefined, body, 'missing_signature'],
    ['a malformed header', 'sha256=abc', body, 'invalid_signature'],
    ['another secret', signatureHeader('x'.repeat(32), body, now), body, 'invalid_signature'],
    ['a changed body', signatureHeader(secret, body, now), Buffer.from('{"id":"evt_2"}'), 'invalid_signature'],
    ['a changed timestamp', signatureHeader(secret, body, now).replace(`t=${now}`, `t=${now + 1}`), body, 'invalid_signature'],
    ['a stale timestamp', signatureHeader(secret, body, now - 301), body, 'stale_signature'],
    ['a timestamp from the future', signatureHeader(secret, body, now + 301), body, 'stale_signature'],
  ])('refuses %s', (_case, header, raw, code) => {
    expect(verifySignature(header, raw, secret, 300, now)).toMatchObject({ ok: false, code });
  });
});

import { createHmac, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { ApiError } from '../../common/http-errors.js';

/** The header the provider signs with: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` (several v1 during a secret rotation). */
export const SIGNATURE_HEADER = 'operate-signature';

export function signPayload(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** A header value for a body signed now (what the provider sends; tests and the demo use it too). */
export function signatureHeader(secret: string, rawBody: string | Buffer, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${signPayload(secret, timestamp, rawBody)}`;
}

export type SignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'missing_signature' | 'invalid_signature' | 'stale_signature'; readonly message: string };

/** Checks the signature and its timestamp (within `toleranceSeconds` of now, either way), in constant time. */
export function verifySignature(
  header: string | undefined,
  rawBody: Buffer | undefined,
  secret: string,
  toleranceSeconds: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): SignatureCheck {
  if (!header || !rawBody) return { ok: false, code: 'missing_signature', message: `Sign the raw body in the ${SIGNATURE_HEADER} header` };
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([key]) => key === 't')?.[1]);
  const signatures = parts.filter(([key, value]) => key === 'v1' && value).map(([, value]) => value!);
  if (!Number.isSafeInteger(timestamp) || signatures.length === 0) {
    return { ok: false, code: 'invalid_signature', message: `${SIGNATURE_HEADER} must be "t=<unix seconds>,v1=<hex>"` };
  }
  const expected = Buffer.from(signPayload(secret, timestamp, rawBody), 'hex');
  const matches = signatures.some((signature) => {
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) return { ok: false, code: 'invalid_signature', message: 'The signature does not match the body' };
  // Checked after the signature, so a forged timestamp cannot tell anything about the secret.
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    return { ok: false, code: 'stale_signature', message: `The signature is older than ${toleranceSeconds} s (or from the future)` };
  }
  return { ok: true };
}

/** Lets a webhook through only with a valid, fresh signature over its raw body; runs before validation. */
@Injectable()
export class PaymentSignatureGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const { secret, toleranceSeconds } = this.config.paymentWebhook;
    if (!secret) {
      throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'webhook_not_configured', 'PAYMENT_WEBHOOK_SECRET is not set on this server');
    }
    const request = context.switchToHttp().getRequest<Request & { rawBody?: Buffer }>();
    const check = verifySignature(request.header(SIGNATURE_HEADER), request.rawBody, secret, toleranceSeconds);
    if (!check.ok) throw new ApiError(HttpStatus.UNAUTHORIZED, check.code, check.message);
    return true;
  }
}

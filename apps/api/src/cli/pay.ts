import { randomBytes } from 'node:crypto';
import { ConsoleLogger } from '@nestjs/common';
import { loadConfig } from '../config/config.js';
import { PaymentEventType } from '../modules/escrow/dto/escrow.dto.js';
import { signatureHeader, SIGNATURE_HEADER } from '../modules/escrow/payment-signature.js';

/**
 * `pnpm payments:send <paymentReference> <amount> <currency> [type]`: plays the payment provider against
 * the running API — posts a webhook signed with PAYMENT_WEBHOOK_SECRET, for an escrow's payment reference or
 * an order's (`pay_ord_…`, shown to the buyer while the order awaits payment). A capture carries a provider
 * transaction reference (`txn_…`). Sending the same event id twice (`PAYMENT_EVENT_ID=evt_1`) shows the
 * idempotency.
 */
const logger = new ConsoleLogger('payments:send');
const types = Object.values(PaymentEventType) as string[];

async function main(): Promise<void> {
  const [paymentReference, amount, currency, type = PaymentEventType.Captured] = process.argv.slice(2);
  if (!paymentReference || !amount || !currency || !types.includes(type)) {
    throw new Error(`usage: payments:send <paymentReference> <amount> <currency> [${types.join(' | ')}]`);
  }
  const config = loadConfig(process.env);
  if (!config.paymentWebhook.secret) throw new Error('PAYMENT_WEBHOOK_SECRET is not set in .env');
  const id = process.env.PAYMENT_EVENT_ID ?? `evt_${Date.now()}`;
  const transactionReference = `txn_${randomBytes(8).toString('hex')}`;
  const body = JSON.stringify({ id, type, data: { paymentReference, amount, currency, transactionReference } });
  const response = await fetch(`http://${config.host}:${config.port}/webhooks/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signatureHeader(config.paymentWebhook.secret, body) },
    body,
  });
  const answer = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${answer}`);
  logger.log(`${type} ${id} → ${response.status} ${answer}`);
}

main().catch((error: unknown) => {
  logger.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});

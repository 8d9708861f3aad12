import { ValidateBy } from 'class-validator';
import { HttpStatus } from '@nestjs/common';
import { CURRENCY_MESSAGE, isCurrencyCode } from '@operate/shared';
import { Prisma } from '../generated/prisma/client.js';
import { ApiError } from './http-errors.js';

/** A positive amount with at most two decimal places, as clients send it ("1250", "1250.5", "1250.00"). */
export const MONEY_PATTERN = /^(?!0+(\.0{1,2})?$)\d{1,12}(\.\d{1,2})?$/;

/** A currency field: an ISO 4217 code in use, checked by the one rule the shared catalog's schemas use too. */
export function IsCurrencyCode(field: string): PropertyDecorator {
  return ValidateBy({
    name: 'isCurrencyCode',
    validator: { validate: (value: unknown) => isCurrencyCode(value), defaultMessage: () => `${field} ${CURRENCY_MESSAGE}` },
  });
}

/** Money on the wire: a decimal string with exactly two places (Decimal#toString drops zeros). */
export function formatMoney(value: { toFixed(places: number): string }): string {
  return value.toFixed(2);
}

/** The largest amount an amount column (NUMERIC(14, 2)) holds. */
export const MAX_AMOUNT = new Prisma.Decimal('999999999999.99');

/** A computed amount (a price times a quantity), or 422 `amount_out_of_range` when no amount column can hold it. */
export function amountWithinRange(amount: Prisma.Decimal, what: string): Prisma.Decimal {
  if (amount.greaterThan(MAX_AMOUNT))
    throw new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      'amount_out_of_range',
      `${what} would be ${formatMoney(amount)}, more than the largest amount, ${formatMoney(MAX_AMOUNT)}`,
    );
  return amount;
}

/** A positive amount with at most two decimal places, as clients send it ("1250", "1250.5", "1250.00"). */
export const MONEY_PATTERN = /^(?!0+(\.0{1,2})?$)\d{1,12}(\.\d{1,2})?$/;
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
export const CURRENCY_MESSAGE = 'must be a three-letter ISO 4217 code, e.g. "EUR"';

/** Money on the wire: a decimal string with exactly two places (Decimal#toString drops zeros). */
export function formatMoney(value: { toFixed(places: number): string }): string {
  return value.toFixed(2);
}

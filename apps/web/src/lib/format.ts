const plural = new Intl.PluralRules('en-US');
const whole = new Intl.NumberFormat('en-US');

/** "1 token", "12 tokens", "1,200 tokens": SBD token amounts as a sentence says them. */
export function formatTokens(count: number): string {
  return `${whole.format(count)} ${plural.select(count) === 'one' ? 'token' : 'tokens'}`;
}

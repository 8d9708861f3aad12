import { describe, expect, it } from '@jest/globals';
import { formatTokens } from './format';

describe('formatTokens', () => {
  it('says one token, and tokens for every other count', () => {
    expect(formatTokens(1)).toBe('1 token');
    expect(formatTokens(0)).toBe('0 tokens');
    expect(formatTokens(12)).toBe('12 tokens');
    expect(formatTokens(1200)).toBe('1,200 tokens');
  });
});

import { describe, expect, it } from '@jest/globals';
import { sameSiteLocation } from './config';

const at = (href: string) => ({ hostname: new URL(href).hostname, href });

describe(sameSiteLocation.name, () => {
  it('sends a page on localhost to 127.0.0.1 when the API is there (and back), keeping port, path and query', () => {
    expect(sameSiteLocation('http://127.0.0.1:3000', at('http://localhost:3001/invoices?page=2'))).toBe(
      'http://127.0.0.1:3001/invoices?page=2',
    );
    expect(sameSiteLocation('http://localhost:3000', at('http://127.0.0.1:3001/login'))).toBe('http://localhost:3001/login');
  });

  it('leaves a page alone on the API’s own name, or off loopback', () => {
    expect(sameSiteLocation('http://127.0.0.1:3000', at('http://127.0.0.1:3001/login'))).toBeNull();
    expect(sameSiteLocation('https://api.example.com', at('https://app.example.com/login'))).toBeNull();
  });
});

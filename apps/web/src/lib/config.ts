/** Settings read once on the server at request time (so one build serves any API address). */
export interface WebConfig {
  /** The API's origin as the browser reaches it. */
  readonly apiUrl: string;
}

export function loadWebConfig(env: Record<string, string | undefined> = process.env): WebConfig {
  const raw = env.OPERATE_API_URL ?? 'http://127.0.0.1:3000';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`OPERATE_API_URL must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`OPERATE_API_URL must be http(s), got ${url.protocol}`);
  return { apiUrl: url.origin };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Where to send a page opened on another loopback name than the API's (localhost vs 127.0.0.1), or null:
 * the refresh cookie is SameSite=Strict, and those two are different sites to a browser.
 */
export function sameSiteLocation(apiUrl: string, location: { readonly hostname: string; readonly href: string }): string | null {
  const api = new URL(apiUrl).hostname;
  if (location.hostname === api || !LOOPBACK.has(location.hostname) || !LOOPBACK.has(api)) return null;
  const target = new URL(location.href);
  target.hostname = api;
  return target.toString();
}

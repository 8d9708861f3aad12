import { parseCookie } from 'cookie';
import type { CookieOptions, Request, Response } from 'express';

/** The refresh token's cookie: httpOnly (no page script reads it), SameSite=Strict, sent to the auth routes only. */
export const REFRESH_COOKIE = 'operate_refresh';
const PATH = '/auth';

function options(request: Request): CookieOptions {
  // Secure when the request came over https, so the plain-http demo on loopback still works.
  return { httpOnly: true, sameSite: 'strict', secure: request.secure, path: PATH };
}

export function readRefreshCookie(request: Request): string | undefined {
  const header = request.headers.cookie;
  return header ? parseCookie(header)[REFRESH_COOKIE] : undefined;
}

export function setRefreshCookie(request: Request, response: Response, token: string, maxAgeSeconds: number): void {
  response.cookie(REFRESH_COOKIE, token, { ...options(request), maxAge: maxAgeSeconds * 1000 });
}

export function clearRefreshCookie(request: Request, response: Response): void {
  response.clearCookie(REFRESH_COOKIE, options(request));
}

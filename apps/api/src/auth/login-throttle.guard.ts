import { type CanActivate, type ExecutionContext, HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

const WINDOW_MS = 60_000;
/** Past this many tracked keys, expired windows are swept before another is added (memory stays bounded). */
const SWEEP_AT = 10_000;

interface Window {
  readonly startedAt: number;
  attempts: number;
}

/**
 * Login attempts per client address and email (LOGIN_ATTEMPTS_PER_MINUTE, fixed one-minute windows):
 * guessing one account's password is slowed to a crawl while other people behind the same address can
 * still sign in. Answers `429 rate_limited` with Retry-After. (@nestjs/throttler is CommonJS and cannot
 * load the ESM-only NestJS 12 under Jest on Node 20, so this small guard stands in for it.)
 */
@Injectable()
export class LoginThrottleGuard implements CanActivate {
  private readonly windows = new Map<string, Window>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const now = Date.now();
    const key = `${request.ip ?? 'unknown'}|${emailOf(request.body)}`;
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= WINDOW_MS) {
      if (!window && this.windows.size >= SWEEP_AT) this.sweep(now);
      window = { startedAt: now, attempts: 0 };
      this.windows.set(key, window);
    }
    window.attempts += 1;
    if (window.attempts <= this.config.loginAttemptsPerMinute) return true;
    const retryAfter = Math.max(1, Math.ceil((window.startedAt + WINDOW_MS - now) / 1000));
    http.getResponse<Response>().setHeader('retry-after', String(retryAfter));
    throw new HttpException(
      { statusCode: HttpStatus.TOO_MANY_REQUESTS, code: 'rate_limited', message: `Too many login attempts; try again in ${retryAfter} s` },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (now - window.startedAt >= WINDOW_MS) this.windows.delete(key);
  }
}

function emailOf(body: unknown): string {
  const email = typeof body === 'object' && body !== null && 'email' in body ? body.email : undefined;
  return typeof email === 'string' ? email.trim().toLowerCase().slice(0, 320) : '';
}

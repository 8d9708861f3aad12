import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { RedisLink } from './redis-link.js';

/** The rates Operate limits, each counted per key (an address, an email) in a fixed window. */
export const Limit = {
  LoginAttemptsPerAddress: 'login-address',
  LoginFailuresPerEmail: 'login-email',
  HandshakesPerAddress: 'handshake-address',
} as const;
export type Limit = (typeof Limit)[keyof typeof Limit];

interface Window {
  readonly points: number;
  readonly durationSeconds: number;
}

/** What a limit says about one more attempt: go on, or wait `retryAfterSeconds`. */
export type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

const ALLOWED: Verdict = { allowed: true };

function refusal(res: RateLimiterRes): Verdict {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
}

/**
 * Every rate limit of the API in one place, on rate-limiter-flexible: in memory on a single node; in Redis
 * when REDIS_URL is set, so N nodes share one budget instead of giving an attacker N. While Redis is
 * unreachable each node falls back to its own memory count (limits stay on, per node) rather than failing
 * logins and handshakes.
 */
@Injectable()
export class RateLimits {
  private readonly windows: Readonly<Record<Limit, Window>>;
  private readonly limiters = new Map<Limit, RateLimiterAbstract>();
  private readonly keyPrefix: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly redis: RedisLink,
  ) {
    this.keyPrefix = `${config.redisKeyPrefix}:limit`;
    this.windows = {
      [Limit.LoginAttemptsPerAddress]: { points: config.limits.loginAttemptsPerAddressPerMinute, durationSeconds: 60 },
      [Limit.LoginFailuresPerEmail]: { points: config.limits.loginFailuresPerEmailPerMinute, durationSeconds: 60 },
      [Limit.HandshakesPerAddress]: { points: config.limits.handshakesPerAddressPerSecond, durationSeconds: 1 },
    };
  }

  /** Counts one attempt against `key`; refused once the window's points are spent. */
  async take(limit: Limit, key: string): Promise<Verdict> {
    try {
      await this.limiter(limit).consume(key);
      return ALLOWED;
    } catch (error) {
      if (error instanceof RateLimiterRes) return refusal(error);
      throw error;
    }
  }

  /** Whether `key` has spent the window's points, without counting an attempt (e.g. before checking a password). */
  async check(limit: Limit, key: string): Promise<Verdict> {
    const res = await this.limiter(limit).get(key);
    return res && res.consumedPoints >= this.windows[limit].points ? refusal(res) : ALLOWED;
  }

  /** Counts one attempt against `key` without refusing this one (e.g. a failed password, counted after the fact). */
  async count(limit: Limit, key: string): Promise<void> {
    await this.limiter(limit).penalty(key);
  }

  // Made on first use: by then the app has connected to Redis (when configured).
  private limiter(limit: Limit): RateLimiterAbstract {
    let limiter = this.limiters.get(limit);
    if (!limiter) {
      const { points, durationSeconds } = this.windows[limit];
      const options = { keyPrefix: `${this.keyPrefix}:${limit}`, points, duration: durationSeconds };
      const memory = new RateLimiterMemory(options);
      const client = this.redis.current;
      limiter = client
        ? new RateLimiterRedis({
            ...options,
            storeClient: client,
            useRedisPackage: true,
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
          })
        : memory;
      this.limiters.set(limit, limiter);
    }
    return limiter;
  }
}

import { HttpException, HttpStatus } from '@nestjs/common';

/** Every error body the API sends: a stable `code` to switch on, a human `message`, field errors for 400s. */
export interface ErrorBody {
  readonly statusCode: number;
  readonly code: string;
  readonly message: string;
  readonly errors?: readonly { readonly field: string; readonly messages: readonly string[] }[];
}

export class ApiError extends HttpException {
  constructor(status: HttpStatus, code: string, message: string, errors?: ErrorBody['errors']) {
    const body: ErrorBody = errors ? { statusCode: status, code, message, errors } : { statusCode: status, code, message };
    super(body, status);
  }
}

export const notFound = (what: string) => new ApiError(HttpStatus.NOT_FOUND, 'not_found', `${what} not found`);
export const conflict = (code: string, message: string) => new ApiError(HttpStatus.CONFLICT, code, message);
export const unauthorized = (
  code: 'unauthorized' | 'token_expired' | 'invalid_credentials' | 'session_revoked' | 'refresh_token_reused',
  message: string,
) => new ApiError(HttpStatus.UNAUTHORIZED, code, message);
export const forbidden = (message: string) => new ApiError(HttpStatus.FORBIDDEN, 'forbidden', message);
/** A 403 with a code of its own, for a refusal the caller can act on (e.g. `paid_by_provider`). */
export const forbiddenWith = (code: string, message: string) => new ApiError(HttpStatus.FORBIDDEN, code, message);

/** 429 `rate_limited`; the response also carries `Retry-After` (set by the exception filter). */
export class RateLimitedError extends ApiError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(HttpStatus.TOO_MANY_REQUESTS, 'rate_limited', `${message}; try again in ${retryAfterSeconds} s`);
  }
}

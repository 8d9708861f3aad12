import { HttpStatus, ParseUUIDPipe } from '@nestjs/common';
import { ApiError } from './http-errors.js';

/** `@Param('id', uuidParam('id'))`: a malformed id is a 400 naming the field, like any other bad input. */
export function uuidParam(field: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () =>
      new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', `${field} must be a UUID`, [
        { field, messages: [`${field} must be a UUID`] },
      ]),
  });
}

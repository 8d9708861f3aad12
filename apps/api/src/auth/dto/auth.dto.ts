import { IsEmail, IsIn, IsJWT, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** Where the refresh token goes: the response body (API clients), or an httpOnly cookie scripts cannot read (browsers). */
export type RefreshTokenIn = 'body' | 'cookie';

export class LoginDto {
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @IsString()
  @MinLength(1, { message: 'password must not be empty' })
  @MaxLength(256)
  password!: string;

  @IsOptional()
  @IsIn(['body', 'cookie'], { message: "refreshTokenIn must be 'body' or 'cookie'" })
  refreshTokenIn?: RefreshTokenIn;
}

export class RefreshDto {
  /** Absent: the refresh cookie is used (and rotated in place). */
  @IsOptional()
  @IsJWT({ message: 'refreshToken must be a JWT' })
  refreshToken?: string;
}

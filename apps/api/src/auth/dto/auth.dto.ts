import { IsEmail, IsJWT, IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @IsString()
  @MinLength(1, { message: 'password must not be empty' })
  @MaxLength(256)
  password!: string;
}

export class RefreshDto {
  @IsJWT({ message: 'refreshToken must be a JWT' })
  refreshToken!: string;
}

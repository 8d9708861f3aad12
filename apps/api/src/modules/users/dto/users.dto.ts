import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import type { PlatformRole } from '../../../generated/prisma/enums.js';

export class UpdateUserDto {
  @IsBoolean({ message: 'active must be true or false' })
  active!: boolean;
}

export class PlatformRoleDto {
  /** Absent or null takes the user's platform role away. */
  @IsOptional()
  @IsIn(['OPERATOR', 'ARBITER'], { message: "role must be 'OPERATOR', 'ARBITER' or null" })
  role?: PlatformRole | null;
}

import { IsEmail, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { ShopItemType } from '@operate/shared';

const MAX_PRICE = 1_000_000;

export class CreatePurchaseDto {
  @IsUUID('all', { message: 'itemId must be a UUID' })
  itemId!: string;

  @IsIn(['personal', 'family'], { message: "payWith must be 'personal' or 'family'" })
  payWith!: 'personal' | 'family';

  @ValidateIf((dto: CreatePurchaseDto) => dto.payWith === 'family' || dto.familyId !== undefined)
  @IsUUID('all', { message: "familyId must be a UUID (required when payWith is 'family')" })
  familyId?: string;
}

export class CreateShopItemDto {
  @IsIn(Object.values(ShopItemType), { message: `type must be one of ${Object.values(ShopItemType).join(', ')}` })
  type!: ShopItemType;

  @IsString()
  @MinLength(1, { message: 'name must not be empty' })
  @MaxLength(100)
  name!: string;

  @IsInt({ message: 'price must be a whole number of SBD tokens' })
  @Min(1)
  @Max(MAX_PRICE)
  price!: number;
}

export class UpdateShopItemDto {
  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'name must not be empty' })
  @MaxLength(100)
  name?: string;

  @IsOptional()
  @IsInt({ message: 'price must be a whole number of SBD tokens' })
  @Min(1)
  @Max(MAX_PRICE)
  price?: number;
}

/** A member's role besides the owner's: may spend the family wallet, or view only. */
const MEMBER_ROLES = ['SPENDER', 'VIEWER'] as const;

export class CreateFamilyDto {
  @IsString()
  @MinLength(1, { message: 'name must not be empty' })
  @MaxLength(100)
  name!: string;
}

export class AddFamilyMemberDto {
  /** The person to add, by the email they sign in with. */
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @IsIn(MEMBER_ROLES, { message: "role must be 'SPENDER' or 'VIEWER'" })
  role!: (typeof MEMBER_ROLES)[number];
}

export class ChangeFamilyRoleDto {
  @IsIn(['OWNER', ...MEMBER_ROLES], { message: "role must be 'OWNER', 'SPENDER' or 'VIEWER'" })
  role!: 'OWNER' | (typeof MEMBER_ROLES)[number];
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ORDER_LIMITS as L, ORDER_STATUSES, type OrderStatus } from '@herald/contracts';
import { ID_RULE, IsHeraldId, IsMoney, IsNotBlank } from '@herald/common';
import { ORDER_TRANSITION_TARGETS, type OrderTransitionTarget } from '@herald/contracts';

// The limits live in @herald/contracts (ORDER_LIMITS), which the web form reads too.
export const MAX_ITEMS = L.itemsMax;
export const MAX_QTY = L.qtyMax;

export class OrderItemInput {
  @ApiProperty({ example: 'SKU-1001', maxLength: L.skuMaxLength })
  @IsString() @MinLength(1) @MaxLength(L.skuMaxLength) @IsNotBlank()
  sku!: string;

  @ApiProperty({ example: 'Blue widget', maxLength: L.itemNameMaxLength })
  @IsString() @MinLength(1) @MaxLength(L.itemNameMaxLength) @IsNotBlank()
  name!: string;

  @ApiProperty({ minimum: L.qtyMin, maximum: L.qtyMax, example: 3 })
  @IsInt() @Min(L.qtyMin) @Max(L.qtyMax)
  qty!: number;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'number' }], example: '19.90', description: 'At most two decimals, ≥ 0' })
  @IsMoney()
  unitPrice!: number | string;
}

export class CreateOrderDto {
  @ApiProperty({ example: 'ACME GmbH', maxLength: L.customerMaxLength })
  @IsString() @MinLength(1) @MaxLength(L.customerMaxLength) @IsNotBlank()
  customer!: string;

  @ApiProperty({ type: [OrderItemInput], minItems: L.itemsMin, maxItems: L.itemsMax })
  @IsArray() @ArrayMinSize(L.itemsMin) @ArrayMaxSize(L.itemsMax) @ValidateNested({ each: true }) @Type(() => OrderItemInput)
  items!: OrderItemInput[];

  @ApiPropertyOptional({ type: String, maxLength: L.noteMaxLength, nullable: true, example: 'Deliver before noon' })
  @IsOptional() @IsString() @MaxLength(L.noteMaxLength)
  note?: string | null;
}

export class UpdateOrderDto {
  @ApiPropertyOptional({ maxLength: L.customerMaxLength })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(L.customerMaxLength) @IsNotBlank()
  customer?: string;

  @ApiPropertyOptional({ type: [OrderItemInput], minItems: L.itemsMin, maxItems: L.itemsMax })
  @IsOptional() @IsArray() @ArrayMinSize(L.itemsMin) @ArrayMaxSize(L.itemsMax) @ValidateNested({ each: true }) @Type(() => OrderItemInput)
  items?: OrderItemInput[];

  @ApiPropertyOptional({ type: String, maxLength: L.noteMaxLength, nullable: true, description: 'null clears the note' })
  @IsOptional() @IsString() @MaxLength(L.noteMaxLength)
  note?: string | null;

  @ApiProperty({ description: 'The version you read; a stale one is refused with 409' })
  @IsInt() @Min(1)
  version!: number;
}

export class TransitionOrderDto {
  @ApiProperty({ enum: ORDER_TRANSITION_TARGETS })
  @IsIn(ORDER_TRANSITION_TARGETS, { message: `to must be one of: ${ORDER_TRANSITION_TARGETS.join(', ')}` })
  to!: OrderTransitionTarget;

  @ApiProperty({ description: 'The version you read; a stale one is refused with 409' })
  @IsInt() @Min(1)
  version!: number;
}

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value);

export class ListOrdersQuery {
  @ApiPropertyOptional({ enum: ORDER_STATUSES })
  @IsOptional() @IsIn(ORDER_STATUSES, { message: `status must be one of: ${ORDER_STATUSES.join(', ')}` })
  status?: OrderStatus;

  @ApiPropertyOptional({ description: 'Only orders of this owner (user id)' })
  @IsOptional() @IsString() @IsHeraldId({ message: `ownerId must be a user id (${ID_RULE})` })
  ownerId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Transform(toInt) @IsInt({ message: 'limit must be an integer from 1 to 100' }) @Min(1) @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional() @IsString() @MaxLength(200)
  cursor?: string;
}

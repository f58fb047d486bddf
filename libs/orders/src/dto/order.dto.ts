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
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ORDER_STATUSES, type OrderStatus } from '@herald/contracts';
import { ID_RULE, IsHeraldId, IsMoney } from '@herald/common';
import { ORDER_TRANSITION_TARGETS, type OrderTransitionTarget } from '@herald/contracts';

export const MAX_ITEMS = 200;
export const MAX_QTY = 1_000_000;

const NOT_BLANK = /\S/;

export class OrderItemInput {
  @ApiProperty({ example: 'SKU-1001' })
  @IsString() @MinLength(1) @MaxLength(64) @Matches(NOT_BLANK, { message: 'sku must not be blank' })
  sku!: string;

  @ApiProperty({ example: 'Blue widget' })
  @IsString() @MinLength(1) @MaxLength(200) @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name!: string;

  @ApiProperty({ minimum: 1, maximum: MAX_QTY, example: 3 })
  @IsInt() @Min(1) @Max(MAX_QTY)
  qty!: number;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'number' }], example: '19.90', description: 'At most two decimals, ≥ 0' })
  @IsMoney()
  unitPrice!: number | string;
}

export class CreateOrderDto {
  @ApiProperty({ example: 'ACME GmbH', maxLength: 200 })
  @IsString() @MinLength(1) @MaxLength(200) @Matches(NOT_BLANK, { message: 'customer must not be blank' })
  customer!: string;

  @ApiProperty({ type: [OrderItemInput], minItems: 1, maxItems: MAX_ITEMS })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_ITEMS) @ValidateNested({ each: true }) @Type(() => OrderItemInput)
  items!: OrderItemInput[];

  @ApiPropertyOptional({ type: String, maxLength: 2000, nullable: true, example: 'Deliver before noon' })
  @IsOptional() @IsString() @MaxLength(2000)
  note?: string | null;
}

export class UpdateOrderDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200) @Matches(NOT_BLANK, { message: 'customer must not be blank' })
  customer?: string;

  @ApiPropertyOptional({ type: [OrderItemInput], minItems: 1, maxItems: MAX_ITEMS })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_ITEMS) @ValidateNested({ each: true }) @Type(() => OrderItemInput)
  items?: OrderItemInput[];

  @ApiPropertyOptional({ type: String, maxLength: 2000, nullable: true, description: 'null clears the note' })
  @IsOptional() @IsString() @MaxLength(2000)
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

import { ApiProperty } from '@nestjs/swagger';
import { ORDER_STATUSES, type OrderDto, type OrderItemDto, type OrderPage, type OrderStatus } from '@herald/contracts';

/** Response shapes of the order routes, as classes for the OpenAPI document; `implements` binds them to the contracts. */
export class OrderItemResponse implements OrderItemDto {
  @ApiProperty({ example: 'SKU-1001' }) sku!: string;
  @ApiProperty({ example: 'Blue widget' }) name!: string;
  @ApiProperty({ example: 3 }) qty!: number;
  @ApiProperty({ example: '19.90', description: 'Exact decimal, two places' }) unitPrice!: string;
  @ApiProperty({ example: '59.70', description: 'qty × unitPrice, exact' }) lineTotal!: string;
}

export class OrderResponse implements OrderDto {
  @ApiProperty({ example: '42' }) id!: string;
  @ApiProperty({ example: 'SO-2026-000042' }) number!: string;
  @ApiProperty({ example: 'ACME GmbH' }) customer!: string;
  @ApiProperty({ type: [OrderItemResponse] }) items!: OrderItemResponse[];
  @ApiProperty({ example: '59.70', description: 'Exact decimal, two places' }) total!: string;
  @ApiProperty({ enum: ORDER_STATUSES, example: 'created' }) status!: OrderStatus;
  @ApiProperty({ example: '2' }) ownerId!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Deliver before noon' }) note!: string | null;
  @ApiProperty({ example: 1, description: 'Send it back with a change; a stale one is refused with 409' }) version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class OrderPageResponse implements OrderPage {
  @ApiProperty({ type: [OrderResponse] }) items!: OrderResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last one' }) nextCursor!: string | null;
}

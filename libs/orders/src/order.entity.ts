import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { OrderStatus } from '@herald/contracts';

/** An ERP order. Money columns are numeric(14,2) and read as exact decimal strings. */
@Entity({ name: 'orders' })
export class OrderEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** For people: SO-2026-000123, from the `order_number_seq` sequence. */
  @Column({ type: 'text', unique: true })
  number!: string;

  @Column({ type: 'text' })
  customer!: string;

  @Column({ name: 'owner_id', type: 'bigint' })
  ownerId!: string;

  @Column({ type: 'text', default: 'created' })
  status!: OrderStatus;

  @Column({ type: 'numeric', precision: 14, scale: 2 })
  total!: string;

  @Column({ type: 'text', nullable: true })
  note!: string | null;

  /** Bumped by every change; writers send the version they read (optimistic concurrency). */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** One line of an order; replaced as a whole when the order's items are edited. */
@Entity({ name: 'order_items' })
export class OrderItemEntity {
  @PrimaryColumn({ name: 'order_id', type: 'bigint' })
  orderId!: string;

  /** 0-based place in the order, as the client sent the items. */
  @PrimaryColumn({ type: 'integer' })
  position!: number;

  @Column({ type: 'text' })
  sku!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'integer' })
  qty!: number;

  @Column({ name: 'unit_price', type: 'numeric', precision: 14, scale: 2 })
  unitPrice!: string;

  @Column({ name: 'line_total', type: 'numeric', precision: 14, scale: 2 })
  lineTotal!: string;
}

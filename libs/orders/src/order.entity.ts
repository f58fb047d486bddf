import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { UserEntity } from '@herald/auth';
import type { OrderStatus } from '@herald/contracts';

// Constraint and index names and CHECK expressions exactly as the CreateOrders migration leaves them in PostgreSQL
// (expressions as PostgreSQL prints them back), so that migration:generate sees no difference.
/** An ERP order. Money columns are numeric(14,2) and read as exact decimal strings. */
@Check(
  'orders_status_known',
  `(status = ANY (ARRAY['created'::text, 'paid'::text, 'shipped'::text, 'delivered'::text, 'cancelled'::text]))`,
)
@Check('orders_total_non_negative', `(total >= (0)::numeric)`)
@Check('orders_customer_length', `((char_length(customer) >= 1) AND (char_length(customer) <= 200))`)
@Check('orders_note_length', `((note IS NULL) OR (char_length(note) <= 2000))`)
@Check('orders_version_positive', `(version >= 1)`)
@Entity({ name: 'orders' })
export class OrderEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** For people: SO-2026-000123, from the `order_number_seq` sequence. */
  @Column({ type: 'text', unique: true })
  number!: string;

  @Column({ type: 'text' })
  customer!: string;

  // (owner_id, id DESC) and (status, id DESC) below: @Index cannot say DESC, so the migration owns both indexes.
  @Index('orders_owner_id_id_idx', { synchronize: false })
  @Column({ name: 'owner_id', type: 'bigint' })
  ownerId!: string;

  @ManyToOne(() => UserEntity)
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'orders_owner_id_fkey' })
  owner?: UserEntity;

  @Index('orders_status_id_idx', { synchronize: false })
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
@Check('order_items_qty_positive', `(qty > 0)`)
@Check('order_items_unit_price_non_negative', `(unit_price >= (0)::numeric)`)
@Check('order_items_line_total_exact', `(line_total = ((qty)::numeric * unit_price))`)
@Entity({ name: 'order_items' })
export class OrderItemEntity {
  @PrimaryColumn({ name: 'order_id', type: 'bigint' })
  orderId!: string;

  @ManyToOne(() => OrderEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'order_items_order_id_fkey' })
  order?: OrderEntity;

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

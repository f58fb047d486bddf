import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ERP orders. Items live in their own table rather than a jsonb column so that the database itself
 * enforces positive quantities, non-negative prices and exact `numeric` line totals; they are always
 * replaced as a whole with their order, inside the same transaction.
 */
export class CreateOrders1763790000000 implements MigrationInterface {
  name = 'CreateOrders1763790000000';

  async up(q: QueryRunner): Promise<void> {
    // Numbers for people (SO-2026-000123); gaps after a rollback are harmless.
    await q.query(`CREATE SEQUENCE order_number_seq`);
    await q.query(`
      CREATE TABLE orders (
        id          bigserial PRIMARY KEY,
        number      text          NOT NULL UNIQUE,
        customer    text          NOT NULL,
        owner_id    bigint        NOT NULL REFERENCES users(id),
        status      text          NOT NULL DEFAULT 'created',
        total       numeric(14,2) NOT NULL,
        note        text,
        version     integer       NOT NULL DEFAULT 1,
        created_at  timestamptz   NOT NULL DEFAULT now(),
        updated_at  timestamptz   NOT NULL DEFAULT now(),
        CONSTRAINT orders_status_known CHECK (status IN ('created','paid','shipped','delivered','cancelled')),
        CONSTRAINT orders_total_non_negative CHECK (total >= 0),
        CONSTRAINT orders_customer_length CHECK (char_length(customer) BETWEEN 1 AND 200),
        CONSTRAINT orders_note_length CHECK (note IS NULL OR char_length(note) <= 2000),
        CONSTRAINT orders_version_positive CHECK (version >= 1)
      )`);
    await q.query(`CREATE INDEX orders_status_id_idx ON orders (status, id DESC)`);
    await q.query(`CREATE INDEX orders_owner_id_id_idx ON orders (owner_id, id DESC)`);
    await q.query(`
      CREATE TABLE order_items (
        order_id    bigint        NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        position    integer       NOT NULL,
        sku         text          NOT NULL,
        name        text          NOT NULL,
        qty         integer       NOT NULL,
        unit_price  numeric(14,2) NOT NULL,
        line_total  numeric(14,2) NOT NULL,
        PRIMARY KEY (order_id, position),
        CONSTRAINT order_items_qty_positive CHECK (qty > 0),
        CONSTRAINT order_items_unit_price_non_negative CHECK (unit_price >= 0),
        CONSTRAINT order_items_line_total_exact CHECK (line_total = qty * unit_price)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_items`);
    await q.query(`DROP TABLE orders`);
    await q.query(`DROP SEQUENCE order_number_seq`);
  }
}

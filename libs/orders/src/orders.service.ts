import { BadRequestException, ConflictException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AuthUser } from '@herald/auth';
import type { OrderDto, OrderEventPayload, OrderEventType, OrderPage, OrderStatus } from '@herald/contracts';
import { DomainEvents } from '@herald/notifications';
import { CreateOrderDto, ListOrdersQuery, OrderItemInput, UpdateOrderDto } from './dto/order.dto';
import { decodeCursor, encodeCursor, fieldError, formatCents, MAX_CENTS, parseCents } from '@herald/common';
import { OrderEntity, OrderItemEntity } from './order.entity';
import { canMove, editRefusal, nextStatuses, OrderTransitionTarget, transitionRefusal } from '@herald/contracts';

interface PricedItem {
  sku: string;
  name: string;
  qty: number;
  unitPrice: string;
  lineTotal: string;
}

const EVENT_OF: Record<OrderTransitionTarget, OrderEventType> = {
  paid: 'order.paid',
  shipped: 'order.shipped',
  delivered: 'order.delivered',
  cancelled: 'order.cancelled',
};

/** Prices the items in integer cents; a total that would not fit numeric(14,2) is a 400, not a database error. */
function priceItems(items: OrderItemInput[]): { items: PricedItem[]; total: string } {
  let total = 0n;
  const priced = items.map((item, i) => {
    const unit = parseCents(item.unitPrice)!;
    const line = unit * BigInt(item.qty);
    total += line;
    if (line > MAX_CENTS) throw fieldError(`items.${i}`, 'maxAmount', `items.${i}: qty × unitPrice exceeds the largest amount Herald stores (${formatCents(MAX_CENTS)}).`);
    return { sku: item.sku, name: item.name, qty: item.qty, unitPrice: formatCents(unit), lineTotal: formatCents(line) };
  });
  if (total > MAX_CENTS) throw fieldError('items', 'maxAmount', `items: the order total exceeds the largest amount Herald stores (${formatCents(MAX_CENTS)}).`);
  return { items: priced, total: formatCents(total) };
}

function describe(order: OrderEntity): string {
  return `Order ${order.number} is ${order.status} (version ${order.version})`;
}

@Injectable()
export class OrdersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: DomainEvents,
  ) {}

  async create(actor: AuthUser, input: CreateOrderDto): Promise<OrderDto> {
    const priced = priceItems(input.items);
    return this.db.transaction(async (manager) => {
      const [{ n }] = await manager.query(`SELECT nextval('order_number_seq')::text AS n`);
      const number = `SO-${new Date().getUTCFullYear()}-${String(n).padStart(6, '0')}`;
      const repo = manager.getRepository(OrderEntity);
      const saved = await repo.save(
        repo.create({ number, customer: input.customer, ownerId: actor.id, status: 'created', total: priced.total, note: input.note ?? null, version: 1 }),
      );
      await this.replaceItems(manager, saved.id, priced.items);
      const order = await repo.findOneByOrFail({ id: saved.id });
      await this.record(manager, 'order.created', actor, order, priced.items.length);
      return this.toDto(order, priced.items);
    });
  }

  async list(query: ListOrdersQuery): Promise<OrderPage> {
    const limit = query.limit ?? 20;
    const qb = this.db.getRepository(OrderEntity).createQueryBuilder('o').orderBy('o.id', 'DESC').take(limit + 1);
    if (query.status) qb.andWhere('o.status = :status', { status: query.status });
    if (query.ownerId) qb.andWhere('o.owner_id = :ownerId', { ownerId: query.ownerId });
    if (query.cursor) qb.andWhere('o.id < :after', { after: decodeCursor('order', query.cursor) });
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    const items = await this.itemsOf(this.db.manager, page.map((o) => o.id));
    return {
      items: page.map((o) => this.toDto(o, items.get(o.id) ?? [])),
      nextCursor: rows.length > limit ? encodeCursor('order', page[page.length - 1].id) : null,
    };
  }

  async get(id: string): Promise<OrderDto> {
    const order = await this.find(this.db.manager, id);
    return this.toDto(order, (await this.itemsOf(this.db.manager, [id])).get(id) ?? []);
  }

  async update(actor: AuthUser, id: string, input: UpdateOrderDto): Promise<OrderDto> {
    if (input.customer === undefined && input.items === undefined && input.note === undefined) {
      throw new BadRequestException('Send at least one of customer, items or note to change.');
    }
    const priced = input.items ? priceItems(input.items) : undefined;
    return this.db.transaction(async (manager) => {
      const current = await this.find(manager, id);
      const refusal = editRefusal(actor, current);
      if (refusal) throw new ForbiddenException(refusal);
      if (current.status !== 'created') throw new ConflictException({ message: `${describe(current)}; only created orders can be edited.`, code: 'illegal_transition' });
      const changes: Partial<OrderEntity> = {};
      if (input.customer !== undefined) changes.customer = input.customer;
      if (input.note !== undefined) changes.note = input.note;
      if (priced) changes.total = priced.total;
      await this.conditionalUpdate(manager, current, input.version, changes);
      if (priced) await this.replaceItems(manager, id, priced.items, true);
      const order = await this.find(manager, id);
      const items = (await this.itemsOf(manager, [id])).get(id) ?? [];
      await this.record(manager, 'order.updated', actor, order, items.length);
      return this.toDto(order, items);
    });
  }

  async transition(actor: AuthUser, id: string, to: OrderTransitionTarget, version: number): Promise<OrderDto> {
    return this.db.transaction(async (manager) => {
      const current = await this.find(manager, id);
      const refusal = transitionRefusal(actor, current, to);
      if (refusal) throw new ForbiddenException(refusal);
      if (current.version !== version) throw this.stale(current, version);
      if (!canMove(current.status, to)) {
        const allowed = nextStatuses(current.status);
        const hint = allowed.length ? `it can move to ${allowed.join(' or ')}` : 'it cannot change any more';
        throw new ConflictException({ message: `${describe(current)}; it cannot move to ${to}: ${hint}.`, code: 'illegal_transition' });
      }
      await this.conditionalUpdate(manager, current, version, { status: to });
      const order = await this.find(manager, id);
      const items = (await this.itemsOf(manager, [id])).get(id) ?? [];
      await this.record(manager, EVENT_OF[to], actor, order, items.length, current.status);
      return this.toDto(order, items);
    });
  }

  /** Admins delete orders nobody has paid for yet; anything later is history and is cancelled instead. */
  async remove(id: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      await this.find(manager, id);
      const result = await manager.getRepository(OrderEntity).delete({ id, status: 'created' });
      if (result.affected !== 1) {
        throw new ConflictException({ message: `${describe(await this.find(manager, id))}; only created orders can be deleted (cancel it instead).`, code: 'illegal_transition' });
      }
    });
  }

  private async find(manager: EntityManager, id: string): Promise<OrderEntity> {
    const order = await manager.getRepository(OrderEntity).findOneBy({ id });
    if (!order) throw new NotFoundException(`No order with id ${id}.`);
    return order;
  }

  private stale(current: OrderEntity, sent: number): ConflictException {
    return new ConflictException({ message: `${describe(current)}; you sent version ${sent}. Reload the order and try again.`, code: 'stale_version' });
  }

  /** `UPDATE … WHERE id AND version`: a concurrent writer that got there first makes this a 409. */
  private async conditionalUpdate(manager: EntityManager, current: OrderEntity, version: number, changes: Partial<OrderEntity>): Promise<void> {
    if (current.version !== version) throw this.stale(current, version);
    const result = await manager
      .createQueryBuilder()
      .update(OrderEntity)
      .set({ ...changes, version: () => 'version + 1', updatedAt: () => 'now()' })
      .where('id = :id AND version = :version', { id: current.id, version })
      .execute();
    if (result.affected !== 1) throw this.stale(await this.find(manager, current.id), version);
  }

  private async replaceItems(manager: EntityManager, orderId: string, items: PricedItem[], clear = false): Promise<void> {
    const repo = manager.getRepository(OrderItemEntity);
    if (clear) await repo.delete({ orderId });
    await repo.insert(items.map((item, position) => ({ orderId, position, ...item })));
  }

  private async itemsOf(manager: EntityManager, orderIds: string[]): Promise<Map<string, PricedItem[]>> {
    const byOrder = new Map<string, PricedItem[]>();
    if (!orderIds.length) return byOrder;
    const rows = await manager
      .getRepository(OrderItemEntity)
      .createQueryBuilder('i')
      .where('i.order_id IN (:...ids)', { ids: orderIds })
      .orderBy('i.order_id')
      .addOrderBy('i.position')
      .getMany();
    for (const row of rows) {
      const list = byOrder.get(row.orderId) ?? [];
      list.push({ sku: row.sku, name: row.name, qty: row.qty, unitPrice: row.unitPrice, lineTotal: row.lineTotal });
      byOrder.set(row.orderId, list);
    }
    return byOrder;
  }

  private async record(
    manager: EntityManager,
    type: OrderEventType,
    actor: AuthUser,
    order: OrderEntity,
    itemCount: number,
    previousStatus?: OrderStatus,
  ): Promise<void> {
    const payload = {
      order: { id: order.id, number: order.number, customer: order.customer, total: order.total, status: order.status, ownerId: order.ownerId, itemCount },
      ...(previousStatus ? { previousStatus } : {}),
      actor: { id: actor.id, displayName: actor.displayName },
    } satisfies OrderEventPayload;
    await this.events.record(manager, { type, aggregateId: order.id, actorId: actor.id, payload });
  }

  private toDto(order: OrderEntity, items: PricedItem[]): OrderDto {
    return {
      id: order.id,
      number: order.number,
      customer: order.customer,
      items: items.map((i) => ({ ...i })),
      total: order.total,
      status: order.status,
      ownerId: order.ownerId,
      note: order.note,
      version: order.version,
      createdAt: order.createdAt.toISOString(),
      updatedAt: order.updatedAt.toISOString(),
    };
  }
}

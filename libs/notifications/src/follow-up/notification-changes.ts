import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import type { NotificationReceiptCounts } from '@herald/contracts';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';

/**
 * What changed about notifications already sent, for the live readers of every instance:
 * `recalled` / `updated` concern the readers of its rooms (looked up by each instance: a list of rooms could pass
 * pg_notify's 8,000 bytes); `receipts` the actor's readers; `seen` / `archived`
 * the user's other devices.
 */
export type NotificationChange =
  | { kind: 'recalled'; id: string }
  | { kind: 'updated'; id: string; version: number }
  | ({ kind: 'receipts'; actorId: string } & NotificationReceiptCounts)
  | { kind: 'seen'; userId: string; ids: string[]; upTo: string | null }
  | { kind: 'archived'; userId: string; ids: string[]; archived: boolean };

const KINDS: ReadonlyArray<NotificationChange['kind']> = ['recalled', 'updated', 'receipts', 'seen', 'archived'];

/** The pg_notify channel of NotificationChanges (PgNotifyListener LISTENs to it). */
export const CHANGES_CHANNEL = 'herald_notification_changes';
/** pg_notify payloads must stay under 8,000 bytes: id lists are sent in slices of this many. */
const IDS_PER_MESSAGE = 200;

/**
 * The bus of changes to sent notifications, shaped like the session bus: recorded inside the transaction
 * that makes the change (a pg_notify, which every instance's listener hears on commit, whether or not Redis
 * is configured), and dispatched on this instance after that commit. Each instance then tells its own live
 * readers (sockets and SSE streams) — so nothing is sent twice through the Socket.IO adapter as well.
 */
@Injectable()
export class NotificationChanges implements OnModuleInit {
  private readonly log = new Logger(NotificationChanges.name);
  private readonly subject = new Subject<NotificationChange>();
  readonly changes$ = this.subject.asObservable();
  readonly instanceId = randomUUID();
  /** Changes recorded in a transaction that has not committed yet, by its query runner. */
  private readonly pending = new WeakMap<QueryRunner, NotificationChange[]>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  onModuleInit(): void {
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: (event: TransactionCommitEvent) => this.flush(event.queryRunner, true),
      afterTransactionRollback: (event: TransactionRollbackEvent) => this.flush(event.queryRunner, false),
    };
    this.db.subscribers.push(subscriber);
  }

  /** Inside the changing transaction: heard by the other instances on commit, dispatched here after it. */
  async record(manager: EntityManager, change: NotificationChange): Promise<void> {
    if (!this.config.embeddedDatabase) {
      for (const slice of slices(change)) {
        await manager.query(`SELECT pg_notify($1, $2)`, [CHANGES_CHANNEL, JSON.stringify({ ...slice, origin: this.instanceId })]);
      }
    }
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) return this.subject.next(change);
    const list = this.pending.get(runner) ?? [];
    list.push(change);
    this.pending.set(runner, list);
  }

  /** Outside any transaction (counts that were only read): sent at once. */
  async announce(change: NotificationChange): Promise<void> {
    await this.record(this.db.manager, change);
  }

  /** A payload from the listener; changes this instance recorded were dispatched here already. */
  receive(payload: string): void {
    let wire: NotificationChange & { origin?: unknown };
    try {
      wire = JSON.parse(payload) as typeof wire;
    } catch {
      return;
    }
    if (!wire || wire.origin === this.instanceId || !KINDS.includes(wire.kind)) return;
    const { origin: _origin, ...change } = wire;
    this.subject.next(change as NotificationChange);
  }

  private flush(runner: QueryRunner, committed: boolean): void {
    // A savepoint's release is not the commit: wait for the outer transaction.
    if (runner.isTransactionActive) return;
    const list = this.pending.get(runner);
    if (!list) return;
    this.pending.delete(runner);
    if (!committed) return;
    for (const change of list) {
      try {
        this.subject.next(change);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, kind: change.kind }, 'a live change could not be dispatched');
      }
    }
  }
}

function slices(change: NotificationChange): NotificationChange[] {
  if ((change.kind !== 'seen' && change.kind !== 'archived') || change.ids.length <= IDS_PER_MESSAGE) return [change];
  const out: NotificationChange[] = [];
  for (let i = 0; i < change.ids.length; i += IDS_PER_MESSAGE) out.push({ ...change, ids: change.ids.slice(i, i + IDS_PER_MESSAGE) });
  return out;
}

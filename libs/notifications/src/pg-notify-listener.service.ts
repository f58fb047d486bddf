import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { SESSION_CHANNEL, SessionEvents } from '@herald/auth';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { NOTIFICATIONS_CHANNEL, OUTBOX_CHANNEL, Signals } from './signals';
import { CHANGES_CHANNEL, NotificationChanges } from './follow-up/notification-changes';
import { API_KEYS_CHANNEL, ApiKeysService } from './push/api-keys.service';

/**
 * On PostgreSQL, one dedicated connection LISTENs for commits made by other instances and wakes
 * the dispatcher and the feed at once; it also carries session events (logout, disable, role change)
 * between instances. If it drops, it reconnects with backoff; meanwhile polling
 * keeps everything moving. Not used with the embedded database, whose NOTIFY reaches no one else.
 */
@Injectable()
export class PgNotifyListener implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(PgNotifyListener.name);
  private client?: Client;
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  private everConnected = false;

  constructor(
    private readonly signals: Signals,
    private readonly sessions: SessionEvents,
    private readonly changes: NotificationChanges,
    private readonly apiKeys: ApiKeysService,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.embeddedDatabase || !this.config.databaseUrl) return;
    await this.connect();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.config.databaseUrl, application_name: 'herald-listener' });
    client.on('notification', (msg) => {
      // A wake-up this instance sent itself was signalled in process after its commit already.
      if (msg.payload === this.signals.origin && (msg.channel === OUTBOX_CHANNEL || msg.channel === NOTIFICATIONS_CHANNEL)) return;
      if (msg.channel === OUTBOX_CHANNEL) this.signals.outboxCommitted();
      else if (msg.channel === NOTIFICATIONS_CHANNEL) this.signals.notificationsCommitted();
      else if (msg.channel === SESSION_CHANNEL && msg.payload) this.sessions.receive(msg.payload);
      else if (msg.channel === CHANGES_CHANNEL && msg.payload) this.changes.receive(msg.payload);
      else if (msg.channel === API_KEYS_CHANNEL && msg.payload) this.apiKeys.revokedElsewhere(msg.payload);
    });
    client.on('error', (err) => {
      this.log.warn({ err: err.message }, 'LISTEN connection lost; reconnecting (polling covers the gap)');
      this.scheduleReconnect(client);
    });
    // A server that closes the connection cleanly (a fast shutdown) may end it without an error.
    client.on('end', () => {
      if (this.client === client && !this.stopped) {
        this.log.warn('LISTEN connection ended; reconnecting (polling covers the gap)');
        this.scheduleReconnect(client);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      await client.query(`LISTEN ${NOTIFICATIONS_CHANNEL}`);
      await client.query(`LISTEN ${SESSION_CHANNEL}`);
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
      await client.query(`LISTEN ${API_KEYS_CHANNEL}`);
      const reconnected = this.failures > 0 || this.everConnected;
      this.client = client;
      this.failures = 0;
      this.everConnected = true;
      // Revocations reach this instance now: API keys may be cached (whatever was cached before is dropped).
      this.apiKeys.setRevocationsHeard(true);
      // Anything committed while we were not listening is picked up now.
      this.signals.outboxCommitted();
      this.signals.notificationsCommitted();
      // Session events sent while we were away were missed: re-check live readers against the database.
      if (reconnected) this.sessions.requestResync('session bus reconnected');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not LISTEN; retrying (polling covers the gap)');
      this.scheduleReconnect(client);
    }
  }

  private scheduleReconnect(client: Client): void {
    this.apiKeys.setRevocationsHeard(false);
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    if (this.client === client) this.client = undefined;
    if (this.stopped || this.retryTimer) return;
    const delay = Math.min(500 * 2 ** this.failures++, 30_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }
}

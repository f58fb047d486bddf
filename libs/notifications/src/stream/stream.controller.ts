import { Controller, Get, HttpException, HttpStatus, Logger, OnModuleDestroy, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { filter, Subscription } from 'rxjs';
import { STREAM_POSITION_PATTERN, type Notification } from '@herald/contracts';
import { AuthError, AuthService, AuthUser, bearerToken, CurrentUser, Public, SessionEvents, UsersService } from '@herald/auth';
import { FeedSubscriber, NotificationFeed } from '../notification-feed.service';
import { roomsForUser } from '../rooms';
import { StreamTicketsService } from './stream-tickets.service';

/** A comment line every so often keeps proxies from closing an idle stream. */
export const SSE_HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events of the same notifications the socket carries: `id:` is the notification id,
 * `event:` its type. Honours Last-Event-ID (or ?lastEventId=) with the same gap-free replay.
 */
@ApiTags('notifications')
@Controller('api/notifications')
export class StreamController implements OnModuleDestroy {
  private readonly log = new Logger(StreamController.name);
  private readonly open = new Set<() => void>();

  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly tickets: StreamTicketsService,
    private readonly feed: NotificationFeed,
    private readonly sessions: SessionEvents,
  ) {}

  onModuleDestroy(): void {
    for (const close of [...this.open]) close();
  }

  @ApiBearerAuth()
  @Post('stream-ticket')
  streamTicket(@CurrentUser() user: AuthUser): Promise<{ ticket: string; expiresAt: string }> {
    return this.tickets.issue(user.id, user.tokenExpiresAt);
  }

  @Public()
  @Get('stream')
  async stream(@Req() req: Request, @Res() res: Response, @Query('ticket') ticket?: string, @Query('lastEventId') lastEventIdQuery?: string): Promise<void> {
    const { userId, roles, expiresAt } = await this.authenticate(req, ticket);
    const lastEventId = (req.headers['last-event-id'] as string | undefined) ?? lastEventIdQuery;
    if (lastEventId !== undefined && !STREAM_POSITION_PATTERN.test(lastEventId)) {
      throw new HttpException({ statusCode: 400, error: 'Bad Request', message: 'Last-Event-ID must be a notification id.' }, 400);
    }
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 3000\n\n');

    const subscriber: FeedSubscriber = {
      userId,
      rooms: roomsForUser(userId, roles),
      deliver: (n: Notification) => {
        res.write(`id: ${n.id}\nevent: ${n.type}\ndata: ${JSON.stringify(n)}\n\n`);
      },
    };
    let closed = false;
    let sessionSub: Subscription | undefined;
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
    const expiry = setTimeout(() => {
      res.write(`event: auth_expired\ndata: {"message":"The access token expired; open a new stream with a fresh ticket."}\n\n`);
      close();
    }, Math.min(Math.max(expiresAt.getTime() - Date.now(), 0), 2 ** 31 - 1));
    const close = () => {
      if (closed) return;
      closed = true;
      this.open.delete(close);
      clearInterval(heartbeat);
      clearTimeout(expiry);
      sessionSub?.unsubscribe();
      this.feed.detach(subscriber);
      res.end();
    };
    this.open.add(close);
    req.on('close', close);
    // Logout, disable or revocation ends the stream; a role change makes it follow the new rooms.
    sessionSub = this.sessions.events$.pipe(filter((e) => e.userId === userId)).subscribe((e) => {
      if (e.kind !== 'roles_changed') return close();
      this.users.findById(userId).then(
        (u) => (u && !u.disabled ? this.feed.updateRooms(subscriber, roomsForUser(userId, u.roles)) : close()),
        (err: unknown) => this.log.warn({ err }, 'could not re-read roles for a stream'),
      );
    });
    try {
      await this.feed.attach(subscriber, lastEventId);
      if (closed) this.feed.detach(subscriber);
    } catch (err) {
      this.log.error({ err, userId }, 'stream replay failed; closing so the client reconnects');
      close();
    }
  }

  private async authenticate(req: Request, ticket?: string): Promise<{ userId: string; roles: AuthUser['roles']; expiresAt: Date }> {
    if (ticket !== undefined) {
      const redeemed = await this.tickets.redeem(String(ticket));
      if (!redeemed) throw new AuthError('invalid_token', 'Unknown, expired or already used stream ticket; ask for a new one.');
      const user = await this.users.findById(redeemed.userId);
      if (!user) throw new AuthError('invalid_token', 'Unknown user.');
      if (user.disabled) throw new AuthError('user_disabled', 'This account is disabled; ask an administrator.');
      return { userId: user.id, roles: user.roles, expiresAt: redeemed.tokenExpiresAt };
    }
    const user = await this.auth.authenticate(bearerToken(req.headers.authorization));
    return { userId: user.id, roles: user.roles, expiresAt: user.tokenExpiresAt };
  }
}

import { Controller, Get, HttpException, HttpStatus, Logger, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@herald/common';
import { StreamTicketResponse } from '../inbox/inbox-responses';
import type { Request, Response } from 'express';
import { isValidStreamPosition } from '@herald/contracts';
import { AuthError, AuthService, AuthUser, bearerToken, CurrentUser, Public, UsersService } from '@herald/auth';
import { LiveUser } from '../live/live-session';
import { LiveSessions, MAX_READERS_PER_USER } from '../live/live-sessions.service';
import { SseTransport } from './sse-transport';
import { StreamTicketsService } from './stream-tickets.service';

export { SSE_HEARTBEAT_MS } from './sse-transport';

/**
 * Server-Sent Events of the same notifications the socket carries: `id:` is the notification id,
 * `event:` its type. Honours Last-Event-ID (or ?lastEventId=) with the same gap-free replay. Each
 * stream is a LiveSession, under the same session rules, cap and backpressure as a socket.
 */
@ApiTags('notifications')
@Controller('api/notifications')
export class StreamController {
  private readonly log = new Logger(StreamController.name);

  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly tickets: StreamTicketsService,
    private readonly live: LiveSessions,
  ) {}

  @ApiBearerAuth()
  @Post('stream-ticket')
  @ApiOperation({ summary: 'A one-use ticket to open the stream from EventSource, which cannot send an Authorization header' })
  @ApiCreatedResponse({ type: StreamTicketResponse })
  @ApiErrors(401, 429, 503)
  streamTicket(@CurrentUser() user: AuthUser): Promise<{ ticket: string; expiresAt: string }> {
    return this.tickets.issue(user.id, user.tokenExpiresAt, user.sessionEpoch, user.sessionId);
  }

  @Public()
  @Get('stream')
  @ApiOperation({
    summary: 'Server-Sent Events of my notifications (bearer header or ?ticket=), with gap-free replay after Last-Event-ID',
    description: 'Authenticate with `Authorization: Bearer <access token>` or with `?ticket=` from POST /api/notifications/stream-ticket. `id:` is the notification id, `event:` its type. Changes to notifications already sent come without `id:` as `notification.recalled` {id}, `notification.updated` (the whole new notification, with `version`), `notification.receipts`, `notification.seen` and `notification.archived`. The stream ends with `session.closed` (after `auth_expired` when the token expired).',
  })
  @ApiBearerAuth()
  @ApiSecurity('stream-ticket')
  @ApiQuery({ name: 'ticket', required: false, type: String, description: 'One-use ticket from POST /api/notifications/stream-ticket, instead of a bearer header' })
  @ApiQuery({ name: 'lastEventId', required: false, type: String, example: '1001', description: 'Resume after this notification id (0: from the start), for clients that cannot send Last-Event-ID' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this notification id; wins over ?lastEventId' })
  @ApiOkResponse({
    description: 'An endless event stream',
    content: { 'text/event-stream': { schema: { type: 'string' }, example: 'retry: 3000\n\nid: 1001\nevent: order.paid\ndata: {"id":"1001","type":"order.paid"}\n\n' } },
  })
  @ApiErrors(400, 401, 429, 503)
  async stream(@Req() req: Request, @Res() res: Response, @Query('ticket') ticket?: string, @Query('lastEventId') lastEventIdQuery?: string): Promise<void> {
    const lastEventId = (req.headers['last-event-id'] as string | undefined) ?? lastEventIdQuery;
    if (lastEventId !== undefined && !isValidStreamPosition(lastEventId)) {
      throw new HttpException({ statusCode: 400, error: 'Bad Request', message: 'Last-Event-ID: must be a notification id (digits, within 64 bits) or 0.' }, 400);
    }
    const user = await this.authenticate(req, ticket);
    if (this.live.isFull(user.id)) throw tooManyReaders();
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 3000\n\n');
    const transport = new SseTransport(res);
    const session = this.live.open(user, transport);
    if (!session) {
      // Another reader of the same user took the last place between the check and here.
      transport.close('unavailable', `At most ${MAX_READERS_PER_USER} live connections per user; close another tab or device.`);
      return;
    }
    req.on('close', () => {
      transport.stop();
      session.transportClosed();
    });
    try {
      await session.start(lastEventId);
    } catch (err) {
      this.log.error({ err: (err as Error).message, userId: user.id }, 'stream replay failed; closing so the client reconnects');
      session.end('unavailable');
    }
  }

  private async authenticate(req: Request, ticket?: string): Promise<LiveUser> {
    if (ticket !== undefined) {
      const redeemed = await this.tickets.redeem(String(ticket));
      if (!redeemed) throw new AuthError('invalid_token', 'Unknown, expired or already used stream ticket, or its session has ended; ask for a new one.');
      const user = await this.users.findById(redeemed.userId);
      if (!user) throw new AuthError('invalid_token', 'Unknown user.');
      if (user.disabled) throw new AuthError('user_disabled', 'This account is disabled; ask an administrator.');
      return { id: user.id, roles: user.roles, sessionEpoch: redeemed.sessionEpoch, sessionId: redeemed.sessionId, tokenExpiresAt: redeemed.tokenExpiresAt };
    }
    return this.auth.authenticate(bearerToken(req.headers.authorization));
  }
}

function tooManyReaders(): HttpException {
  return new HttpException(
    { statusCode: 429, error: 'Too Many Requests', message: `At most ${MAX_READERS_PER_USER} live connections (sockets and streams) per user; close another tab or device.`, code: 'too_many_readers' },
    HttpStatus.TOO_MANY_REQUESTS,
  );
}

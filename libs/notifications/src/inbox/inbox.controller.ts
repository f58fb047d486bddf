import { BadRequestException, Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@herald/common';
import { NotificationPageResponse, UnreadAfterReadResponse, UnreadCountResponse } from './inbox-responses';
import type { InboxCounts, NotificationPage } from '@herald/contracts';
import { AuthUser, CurrentUser } from '@herald/auth';
import { roomsForUser } from '../rooms';
import { ListNotificationsQuery, MarkReadDto } from './inbox.dto';
import { InboxReader, InboxService } from './inbox.service';
import { InboxStates } from '../follow-up/inbox-states.service';

export const readerOf = (user: Pick<AuthUser, 'id' | 'roles'>): InboxReader => ({ userId: user.id, rooms: roomsForUser(user.id, user.roles) });

@ApiTags('notifications')
@ApiBearerAuth()
@ApiErrors(401, 503)
@Controller('api/notifications')
export class InboxController {
  constructor(
    private readonly inbox: InboxService,
    private readonly states: InboxStates,
  ) {}

  @Get()
  @ApiOperation({ summary: 'My notifications, newest first (or after an id, oldest first), one page at a time' })
  @ApiOkResponse({ type: NotificationPageResponse })
  @ApiErrors(400)
  list(@CurrentUser() user: AuthUser, @Query() query: ListNotificationsQuery): Promise<NotificationPage> {
    if (query.after !== undefined && query.before !== undefined) throw new BadRequestException('Give either after or before, not both.');
    return this.inbox.list(readerOf(user), query);
  }

  @Get('unread-count')
  @ApiOperation({ summary: 'How many of my notifications are unread, and how many of those I have not seen yet' })
  @ApiOkResponse({ type: UnreadCountResponse })
  async unreadCount(@CurrentUser() user: AuthUser): Promise<InboxCounts> {
    const reader = readerOf(user);
    const count = await this.inbox.unreadCount(reader);
    return { ...count, unseen: await this.states.unseen(reader) };
  }

  @Post('read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark notifications read by id; answers the unread count left' })
  @ApiOkResponse({ type: UnreadAfterReadResponse })
  @ApiErrors(400)
  async read(@CurrentUser() user: AuthUser, @Body() body: MarkReadDto): Promise<{ unread: number; upTo: string }> {
    const { count, upTo } = await this.inbox.markRead(readerOf(user), body.ids);
    return { unread: count, upTo };
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark all my notifications read' })
  @ApiOkResponse({ type: UnreadAfterReadResponse })
  async readAll(@CurrentUser() user: AuthUser): Promise<{ unread: number; upTo: string }> {
    const { count, upTo } = await this.inbox.markAllRead(readerOf(user));
    return { unread: count, upTo };
  }
}

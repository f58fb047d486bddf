import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Notification, NotificationReceipts, RecallResult } from '@herald/contracts';
import { AuthUser, CurrentUser, Public } from '@herald/auth';
import { ApiErrors, ParseIdPipe } from '@herald/common';
import { readerOf } from '../inbox/inbox.controller';
import { NotificationResponse } from '../inbox/inbox-responses';
import { ApiKeyGuard } from '../push/api-key.guard';
import type { ApiKeyCaller } from '../push/api-keys.service';
import {
  ArchivedResponse,
  NotificationIdsDto,
  PatchPushDto,
  ReceiptsQuery,
  ReceiptsResponse,
  RecallResponse,
  SeenAllResponse,
  UnseenResponse,
} from './follow-up.dto';
import { FollowUp, FollowUpCaller } from './follow-up.service';
import { InboxStates } from './inbox-states.service';

const asUser = (user: AuthUser): FollowUpCaller => ({ kind: 'user', id: user.id, admin: user.roles.includes('admin') });

@ApiTags('notifications')
@ApiBearerAuth()
@ApiErrors(401, 503)
@Controller('api/notifications')
export class FollowUpController {
  constructor(
    private readonly followUp: FollowUp,
    private readonly states: InboxStates,
  ) {}

  @Get(':id/receipts')
  @ApiOperation({ summary: 'Who it was sent to, who got it and who read it (admins and the user whose action caused it)' })
  @ApiOkResponse({ type: ReceiptsResponse })
  @ApiErrors(400, 403, 404)
  receipts(@CurrentUser() user: AuthUser, @Param('id', ParseIdPipe) id: string, @Query() query: ReceiptsQuery): Promise<NotificationReceipts> {
    return this.followUp.receiptsOf(asUser(user), id, query.state, query.limit, query.cursor);
  }

  @Post(':id/recall')
  @HttpCode(200)
  @ApiOperation({ summary: 'Recall it from every inbox, screen and count (admins and its actor; no time window; the same answer twice)' })
  @ApiOkResponse({ type: RecallResponse })
  @ApiErrors(400, 403, 404)
  recall(@CurrentUser() user: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<RecallResult> {
    return this.followUp.recall(asUser(user), id);
  }

  @Post('seen')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark notifications seen (not read); answers how many unread ones are unseen' })
  @ApiOkResponse({ type: UnseenResponse })
  @ApiErrors(400)
  seen(@CurrentUser() user: AuthUser, @Body() body: NotificationIdsDto): Promise<{ unseen: number }> {
    return this.states.markSeen(readerOf(user), body.ids);
  }

  @Post('seen-all')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark everything up to now seen (the badge of new things goes to 0; unread stays)' })
  @ApiOkResponse({ type: SeenAllResponse })
  seenAll(@CurrentUser() user: AuthUser): Promise<{ unseen: number; upTo: string }> {
    return this.states.markAllSeen(readerOf(user));
  }

  @Post('archive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Archive notifications: out of the default listing, into ?archived=true' })
  @ApiOkResponse({ type: ArchivedResponse })
  @ApiErrors(400)
  archive(@CurrentUser() user: AuthUser, @Body() body: NotificationIdsDto): Promise<{ ids: string[] }> {
    return this.states.setArchived(readerOf(user), body.ids, true);
  }

  @Post('unarchive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move archived notifications back to the inbox' })
  @ApiOkResponse({ type: ArchivedResponse })
  @ApiErrors(400)
  unarchive(@CurrentUser() user: AuthUser, @Body() body: NotificationIdsDto): Promise<{ ids: string[] }> {
    return this.states.setArchived(readerOf(user), body.ids, false);
  }
}

type KeyRequest = Request & { apiKey: ApiKeyCaller };
const asKey = (req: KeyRequest): FollowUpCaller => ({ kind: 'key', id: req.apiKey.id });

/** Follow-up of a push by the API key that pushed it; another key's notification is a 404. */
@ApiTags('push')
@ApiSecurity('api-key')
@ApiErrors(401, 503)
@Public()
@UseGuards(ApiKeyGuard)
@Controller('api/push')
export class PushFollowUpController {
  constructor(private readonly followUp: FollowUp) {}

  @Get(':id/receipts')
  @ApiOperation({ summary: 'Who a push was sent to, who got it and who read it (the pushing API key)' })
  @ApiOkResponse({ type: ReceiptsResponse })
  @ApiErrors(400, 404, 429)
  receipts(@Req() req: KeyRequest, @Param('id', ParseIdPipe) id: string, @Query() query: ReceiptsQuery): Promise<NotificationReceipts> {
    return this.followUp.receiptsOf(asKey(req), id, query.state, query.limit, query.cursor);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a push in place (title, body, data): every recipient sees the new version live and on replay' })
  @ApiOkResponse({ type: NotificationResponse })
  @ApiErrors(400, 404, 409, 413, 429)
  edit(@Req() req: KeyRequest, @Param('id', ParseIdPipe) id: string, @Body() body: PatchPushDto): Promise<Notification> {
    return this.followUp.edit(asKey(req), id, body);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Recall a push from every inbox, screen and count (the same answer twice)' })
  @ApiOkResponse({ type: RecallResponse })
  @ApiErrors(400, 404, 429)
  recall(@Req() req: KeyRequest, @Param('id', ParseIdPipe) id: string): Promise<RecallResult> {
    return this.followUp.recall(asKey(req), id);
  }
}

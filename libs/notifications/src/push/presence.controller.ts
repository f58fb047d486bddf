import { Controller, Get, Optional, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@herald/common';
import { Public } from '@herald/auth';
import { ApiKeyOrAdminGuard } from './api-key-or-admin.guard';
import { OnlineUsers } from './online-users';
import { PresenceQuery, PresenceResponseDto } from './presence.dto';

@ApiTags('push')
@Controller('api')
export class PresenceController {
  constructor(@Optional() private readonly online?: OnlineUsers) {}

  /** Who is online now (a socket or an SSE stream on any instance), without pushing anything. */
  @Public()
  @UseGuards(ApiKeyOrAdminGuard)
  @ApiSecurity('api-key')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Who is online now, on any instance, without pushing (API key or admin)' })
  @ApiOkResponse({ type: PresenceResponseDto })
  @ApiErrors(400, 401, 403, 503)
  @Get('presence')
  async presence(@Query() query: PresenceQuery): Promise<PresenceResponseDto> {
    const live = this.online ? await this.online.onlineUserIds(query.userIds.map((id) => `user:${id}`)) : new Set<string>();
    return { online: Object.fromEntries(query.userIds.map((id) => [id, live.has(id)])) };
  }
}

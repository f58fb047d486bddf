import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@herald/auth';
import { ApiErrors, ParseIdPipe } from '@herald/common';
import { OutboxItemResponse, OutboxPageResponse } from './outbox-admin-responses';
import { ListOutboxQuery, type OutboxItemDto, type OutboxPageDto } from './outbox-admin.dto';
import { OutboxAdminService } from './outbox-admin.service';

@ApiTags('admin')
@ApiBearerAuth()
@ApiErrors(400, 401, 403, 503)
@Roles('admin')
@Controller('api/admin/outbox')
export class OutboxAdminController {
  constructor(private readonly outbox: OutboxAdminService) {}

  @Get()
  @ApiOperation({ summary: 'Outbox rows that are parked, pending or failed (admin)' })
  @ApiOkResponse({ type: OutboxPageResponse })
  list(@Query() query: ListOutboxQuery): Promise<OutboxPageDto> {
    return this.outbox.list(query.state, query.limit, query.cursor);
  }

  @Post(':id/requeue')
  @HttpCode(200)
  @ApiOperation({ summary: 'Put a parked or failed row back for dispatch now (admin)' })
  @ApiOkResponse({ type: OutboxItemResponse })
  @ApiErrors(404, 409)
  requeue(@Param('id', ParseIdPipe) id: string): Promise<OutboxItemDto> {
    return this.outbox.requeue(id);
  }
}

import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '@herald/auth';
import { ParseIdPipe } from '@herald/common';
import { ListOutboxQuery, type OutboxItemDto, type OutboxPageDto } from './outbox-admin.dto';
import { OutboxAdminService } from './outbox-admin.service';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/admin/outbox')
export class OutboxAdminController {
  constructor(private readonly outbox: OutboxAdminService) {}

  @Get()
  list(@Query() query: ListOutboxQuery): Promise<OutboxPageDto> {
    return this.outbox.list(query.state, query.limit, query.cursor);
  }

  @Post(':id/requeue')
  @HttpCode(200)
  requeue(@Param('id', ParseIdPipe) id: string): Promise<OutboxItemDto> {
    return this.outbox.requeue(id);
  }
}

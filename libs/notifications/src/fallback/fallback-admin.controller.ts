import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Roles } from '@herald/auth';
import { ApiErrors, fieldError, ParseIdPipe } from '@herald/common';
import { ChannelsService } from './channels.service';
import { DeliveriesService } from './deliveries.service';
import { ChannelResponse, DeliveryPageResponse, DeliveryResponse, FallbackDefaultResponse } from './fallback-responses';
import {
  type ChannelDto,
  CreateChannelDto,
  type DeliveryDto,
  type DeliveryPageDto,
  FallbackDefaultDto,
  type FallbackDefaultView,
  ListDeliveriesQuery,
  UpdateChannelDto,
} from './fallback.dto';

const TYPE_RULE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
function checkedType(type: string): string {
  if (type.length > 64 || !TYPE_RULE.test(type)) throw fieldError('type', 'matches', 'type must look like entity.verb (lower case, e.g. order.paid), at most 64 characters.');
  return type;
}

@ApiTags('admin')
@ApiBearerAuth()
@ApiErrors(401, 403, 503)
@Roles('admin')
@Controller('api/admin')
export class FallbackAdminController {
  constructor(
    private readonly channels: ChannelsService,
    private readonly deliveries: DeliveriesService,
  ) {}

  @Get('channels')
  @ApiOperation({ summary: 'Fallback channels, secrets masked (admin)' })
  @ApiOkResponse({ type: [ChannelResponse] })
  listChannels(): Promise<ChannelDto[]> {
    return this.channels.list();
  }

  @Post('channels')
  @ApiOperation({ summary: 'Add a fallback channel: email, dingtalk, wecom, feishu or webhook (admin)' })
  @ApiCreatedResponse({ type: ChannelResponse })
  @ApiErrors(400, 409)
  createChannel(@Body() body: CreateChannelDto): Promise<ChannelDto> {
    return this.channels.create(body);
  }

  @Get('channels/:id')
  @ApiOperation({ summary: 'One fallback channel, secrets masked (admin)' })
  @ApiOkResponse({ type: ChannelResponse })
  @ApiErrors(400, 404)
  getChannel(@Param('id', ParseIdPipe) id: string): Promise<ChannelDto> {
    return this.channels.get(id);
  }

  @Patch('channels/:id')
  @ApiOperation({ summary: 'Rename, reconfigure, enable or disable a channel; secrets left out are kept (admin)' })
  @ApiOkResponse({ type: ChannelResponse })
  @ApiErrors(400, 404, 409)
  updateChannel(@Param('id', ParseIdPipe) id: string, @Body() body: UpdateChannelDto): Promise<ChannelDto> {
    return this.channels.update(id, body);
  }

  @Delete('channels/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a channel; its delivery records stay, without the link (admin)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404)
  async deleteChannel(@Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.channels.remove(id);
  }

  @Get('fallback-defaults')
  @ApiOperation({ summary: 'Fallback defaults per notification type (admin)' })
  @ApiOkResponse({ type: [FallbackDefaultResponse] })
  listDefaults(): Promise<FallbackDefaultView[]> {
    return this.channels.listDefaults();
  }

  @Get('fallback-defaults/:type')
  @ApiParam({ name: 'type', example: 'order.paid' })
  @ApiOperation({ summary: "One type's fallback default (admin)" })
  @ApiOkResponse({ type: FallbackDefaultResponse })
  @ApiErrors(400, 404)
  getDefault(@Param('type') type: string): Promise<FallbackDefaultView> {
    return this.channels.getDefault(checkedType(type));
  }

  @Put('fallback-defaults/:type')
  @ApiParam({ name: 'type', example: 'order.paid' })
  @ApiOperation({ summary: 'Set the fallback of every notification of this type that does not ask for its own (admin)' })
  @ApiOkResponse({ type: FallbackDefaultResponse })
  @ApiErrors(400)
  putDefault(@Param('type') type: string, @Body() body: FallbackDefaultDto): Promise<FallbackDefaultView> {
    return this.channels.putDefault(checkedType(type), body.after, body.channels);
  }

  @Delete('fallback-defaults/:type')
  @HttpCode(204)
  @ApiParam({ name: 'type', example: 'order.paid' })
  @ApiOperation({ summary: "Remove a type's fallback default (admin)" })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(400, 404)
  async deleteDefault(@Param('type') type: string): Promise<void> {
    await this.channels.deleteDefault(checkedType(type));
  }

  @Get('deliveries')
  @ApiOperation({ summary: 'Fallback sends with status, attempts and the remote answer, newest first (admin)' })
  @ApiOkResponse({ type: DeliveryPageResponse })
  @ApiErrors(400)
  listDeliveries(@Query() query: ListDeliveriesQuery): Promise<DeliveryPageDto> {
    return this.deliveries.list(query);
  }

  @Post('deliveries/:id/requeue')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a parked delivery again now, with a fresh attempt budget (admin)' })
  @ApiOkResponse({ type: DeliveryResponse })
  @ApiErrors(400, 404, 409)
  requeue(@Param('id', ParseIdPipe) id: string): Promise<DeliveryDto> {
    return this.deliveries.requeue(id);
  }
}

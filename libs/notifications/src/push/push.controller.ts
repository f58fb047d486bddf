import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { PushResponse } from '@herald/contracts';
import { AuthUser, CurrentUser, Public, Roles } from '@herald/auth';
import { ParseIdPipe } from '@herald/common';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyCaller, ApiKeyInfo, ApiKeysService } from './api-keys.service';
import { CreateApiKeyDto, PushDto } from './push.dto';
import { PushService } from './push.service';

@ApiTags('push')
@Controller('api')
export class PushController {
  constructor(
    private readonly push: PushService,
    private readonly keys: ApiKeysService,
  ) {}

  @Public()
  @UseGuards(ApiKeyGuard)
  @ApiSecurity('api-key')
  @Post('push')
  @HttpCode(202)
  send(@Req() req: Request & { apiKey: ApiKeyCaller }, @Body() body: PushDto): Promise<PushResponse> {
    return this.push.push(req.apiKey, body);
  }

  @ApiBearerAuth()
  @Roles('admin')
  @Post('api-keys')
  createKey(@CurrentUser() user: AuthUser, @Body() body: CreateApiKeyDto): Promise<ApiKeyInfo & { key: string }> {
    return this.keys.create(body.name, user.id);
  }

  @ApiBearerAuth()
  @Roles('admin')
  @Get('api-keys')
  listKeys(): Promise<ApiKeyInfo[]> {
    return this.keys.list();
  }

  @ApiBearerAuth()
  @Roles('admin')
  @Delete('api-keys/:id')
  @HttpCode(204)
  async revokeKey(@Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { PushResponse } from '@herald/contracts';
import { AuthUser, CurrentUser, Public, Roles } from '@herald/auth';
import { ApiErrors, ParseIdPipe } from '@herald/common';
import { ApiKeyResponse, CreatedApiKeyResponse, PushResultResponse } from './push-responses';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyCaller, ApiKeyInfo, ApiKeysService } from './api-keys.service';
import { CreateApiKeyDto, PushDto } from './push.dto';
import { PushService } from './push.service';

@ApiTags('push')
@ApiErrors(401, 503)
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
  @ApiOperation({ summary: 'Push a notification to users, rooms or everyone (API key); answers who it reached' })
  @ApiAcceptedResponse({ type: PushResultResponse })
  @ApiErrors(400, 409, 413, 429)
  send(@Req() req: Request & { apiKey: ApiKeyCaller }, @Body() body: PushDto): Promise<PushResponse> {
    return this.push.push(req.apiKey, body);
  }

  @ApiBearerAuth()
  @Roles('admin')
  @Post('api-keys')
  @ApiOperation({ summary: 'Create an API key for pushes (admin); the key is shown this once' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiErrors(400, 403)
  createKey(@CurrentUser() user: AuthUser, @Body() body: CreateApiKeyDto): Promise<ApiKeyInfo & { key: string }> {
    return this.keys.create(body.name, user.id);
  }

  @ApiBearerAuth()
  @Roles('admin')
  @Get('api-keys')
  @ApiOperation({ summary: 'Every API key, revoked ones too, without the keys themselves (admin)' })
  @ApiOkResponse({ type: [ApiKeyResponse] })
  @ApiErrors(403)
  listKeys(): Promise<ApiKeyInfo[]> {
    return this.keys.list();
  }

  @ApiBearerAuth()
  @Roles('admin')
  @Delete('api-keys/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key (admin)' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrors(400, 403, 404)
  async revokeKey(@Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { PushBatchResponse, PushResponse } from '@herald/contracts';
import { AuthUser, CurrentUser, Public, Roles } from '@herald/auth';
import { ApiErrors, defaultErrorCode, ParseIdPipe } from '@herald/common';
import { ApiKeyResponse, CreatedApiKeyResponse, PushBatchResponse as PushBatchResponseDoc, PushResultResponse } from './push-responses';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyCaller, ApiKeyInfo, ApiKeysService } from './api-keys.service';
import { CreateApiKeyDto, MAX_PUSH_BATCH_ITEMS, PushBatchDto, PushDto } from './push.dto';
import { PushItemResult, PushService } from './push.service';

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

  @Public()
  @UseGuards(ApiKeyGuard)
  @ApiSecurity('api-key')
  @Post('push/batch')
  @HttpCode(202)
  @ApiOperation({
    summary: `Push up to ${MAX_PUSH_BATCH_ITEMS} notifications in one call and one transaction (API key); answers each item, or its own error`,
    description:
      'The body is validated as a whole (a 400 names `items.<index>.<field>`); then each item is checked on its own (unknown users, ' +
      'data too large, an idempotency conflict): an item that fails answers `{error: {statusCode, code, message, field?}}` in its place ' +
      'and the others are written. Written items are committed in one transaction, with ids in the order of the items.',
  })
  @ApiAcceptedResponse({ type: PushBatchResponseDoc })
  @ApiErrors(400, 413, 429)
  async sendBatch(@Req() req: Request & { apiKey: ApiKeyCaller }, @Body() body: PushBatchDto): Promise<PushBatchResponse> {
    const results = await this.push.pushBatch(req.apiKey, body.items);
    return { items: results.map(itemAnswer) };
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

/** An item's answer: its result, or its error in the shape of a single push's error body. */
function itemAnswer(result: PushItemResult): PushBatchResponse['items'][number] {
  if (!('error' in result)) return result;
  const statusCode = result.error.getStatus();
  const raw = result.error.getResponse();
  const body: Record<string, unknown> = typeof raw === 'string' ? { message: raw } : (raw as Record<string, unknown>);
  const message = Array.isArray(body.message) ? body.message.join('; ') : String(body.message ?? result.error.message);
  const code = typeof body.code === 'string' ? body.code : defaultErrorCode(statusCode);
  const field = typeof body.field === 'string' ? body.field : /^([a-zA-Z.]+[a-zA-Z]): /.exec(message)?.[1];
  return { error: { statusCode, code, message, ...(field ? { field } : {}) } };
}

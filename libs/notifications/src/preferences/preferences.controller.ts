import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '@herald/auth';
import { ApiErrors } from '@herald/common';
import { type Preferences, PreferencesDto, PreferencesResponse } from './preferences.dto';
import { PreferencesService } from './preferences.service';

@ApiTags('notifications')
@ApiBearerAuth()
@ApiErrors(401, 503)
@Controller('api/me/preferences')
export class PreferencesController {
  constructor(private readonly preferences: PreferencesService) {}

  @Get()
  @ApiOperation({ summary: 'My notification preferences: muted types, email fallback, quiet hours' })
  @ApiOkResponse({ type: PreferencesResponse })
  get(@CurrentUser() user: AuthUser): Promise<Preferences> {
    return this.preferences.get(user.id);
  }

  @Put()
  @ApiOperation({ summary: 'Replace my notification preferences (a field left out takes its default)' })
  @ApiOkResponse({ type: PreferencesResponse })
  @ApiErrors(400)
  put(@CurrentUser() user: AuthUser, @Body() body: PreferencesDto): Promise<Preferences> {
    return this.preferences.put(user.id, body);
  }
}

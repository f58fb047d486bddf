import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiNoSecurity } from '@herald/common';
import { LoginResponseDto, TokenPairResponse, UserResponse } from './dto/auth-responses';
import { SkipThrottle } from '@nestjs/throttler';
import type { LoginResponse, TokenPair, UserDto } from '@herald/contracts';
import { AuthService, AuthUser } from './auth.service';
import { LoginDto, RefreshDto } from './dto/auth.dto';
import { CurrentUser, Public } from './guards/decorators';
import { LOGIN_IP_LIMIT, LOGIN_USER_LIMIT, LoginThrottlerGuard, REFRESH_IP_LIMIT } from './guards/login-throttler.guard';
import { toUserDto } from './users/user.entity';
import { UsersService } from './users/users.service';

@ApiTags('auth')
@ApiErrors(401, 503)
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Public()
  @UseGuards(LoginThrottlerGuard)
  @SkipThrottle({ [REFRESH_IP_LIMIT]: true })
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a username and password for an access and a refresh token' })
  @ApiNoSecurity()
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiErrors(400, 429)
  login(@Body() body: LoginDto): Promise<LoginResponse> {
    return this.auth.login(body.username, body.password);
  }

  @Public()
  // Public and cheap to call: limited per address so a flood cannot crowd out other callers.
  @UseGuards(LoginThrottlerGuard)
  @SkipThrottle({ [LOGIN_IP_LIMIT]: true, [LOGIN_USER_LIMIT]: true })
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Spend a refresh token for a new pair; re-using a spent one revokes its session' })
  @ApiNoSecurity()
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiErrors(400, 429)
  refresh(@Body() body: RefreshDto): Promise<TokenPair> {
    return this.auth.refresh(body.refreshToken);
  }

  @ApiBearerAuth()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: "End all of the caller's sessions and close their live sockets" })
  @ApiNoContentResponse({ description: 'Signed out everywhere' })
  async logout(@CurrentUser() user: AuthUser): Promise<void> {
    await this.auth.logout(user.id);
  }

  @ApiBearerAuth()
  @Get('me')
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserResponse })
  async me(@CurrentUser() user: AuthUser): Promise<UserDto> {
    return toUserDto((await this.users.findById(user.id))!);
  }
}

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
  @ApiOperation({
    summary: 'Spend a refresh token for a new pair; re-using a spent one revokes its session',
    description:
      'Re-using a spent refresh token revokes its session (401). Presented again within 10 s of being spent (two tabs refreshing at once) it answers 409 `refresh_token_raced` and revokes nothing: use the newer token.',
  })
  @ApiNoSecurity()
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiErrors(400, 409, 429)
  refresh(@Body() body: RefreshDto): Promise<TokenPair> {
    return this.auth.refresh(body.refreshToken);
  }

  @ApiBearerAuth()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    summary: "Sign this device out: end the caller's session and close its live sockets and streams",
    description: "Revokes the session (refresh-token family) the access token belongs to; its access tokens stop working and its live readers close with `signed_out`. The user's other devices stay signed in.",
  })
  @ApiNoContentResponse({ description: 'This session ended' })
  async logout(@CurrentUser() user: AuthUser): Promise<void> {
    await this.auth.logout(user);
  }

  @ApiBearerAuth()
  @Post('logout-all')
  @HttpCode(204)
  @ApiOperation({
    summary: "Sign out everywhere: end all of the caller's sessions and close every live socket and stream",
    description: 'Revokes every refresh token of the user and every access token issued so far; live readers on every device close with `session_revoked`.',
  })
  @ApiNoContentResponse({ description: 'Signed out everywhere' })
  async logoutAll(@CurrentUser() user: AuthUser): Promise<void> {
    await this.auth.logoutAll(user.id);
  }

  @ApiBearerAuth()
  @Get('me')
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserResponse })
  async me(@CurrentUser() user: AuthUser): Promise<UserDto> {
    return toUserDto((await this.users.findById(user.id))!);
  }
}

import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { RedisConnection } from '@herald/database';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AccessTokenGuard } from './guards/access-token.guard';
import { LOGIN_IP_LIMIT, LOGIN_USER_LIMIT, loginKey, LoginThrottlerGuard, loginUserTracker, REFRESH_IP_LIMIT } from './guards/login-throttler.guard';
import { SharedThrottlerStorage } from './guards/shared-throttler-storage';
import { SessionEvents } from './session-events';
import { AccessTokenService } from './tokens/access-token.service';
import { RefreshTokenEntity } from './tokens/refresh-token.entity';
import { RefreshTokenService } from './tokens/refresh-token.service';
import { FirstUsersSeeder } from './users/first-users.seeder';
import { UserEntity } from './users/user.entity';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([UserEntity, RefreshTokenEntity]),
    // Only LoginThrottlerGuard uses these limits (login and refresh); other routes have their own.
    ThrottlerModule.forRootAsync({
      inject: [HERALD_CONFIG, RedisConnection, DataSource],
      useFactory: (config: HeraldConfig, redis: RedisConnection, db: DataSource) => ({
        // Shared through Redis when instances are joined, so limits hold across all of them.
        storage: new SharedThrottlerStorage(redis, config.REDIS_PREFIX),
        throttlers: [
          { name: LOGIN_IP_LIMIT, ttl: 60_000, limit: config.LOGIN_RATE_PER_IP, generateKey: loginKey },
          { name: LOGIN_USER_LIMIT, ttl: 60_000, limit: config.LOGIN_RATE_PER_USER, getTracker: (req) => loginUserTracker(db, req as Request), generateKey: loginKey },
          { name: REFRESH_IP_LIMIT, ttl: 60_000, limit: config.REFRESH_RATE_PER_IP, generateKey: loginKey },
        ],
      }),
    }),
  ],
  controllers: [AuthController, UsersController],
  providers: [
    AuthService,
    UsersService,
    AccessTokenService,
    RefreshTokenService,
    SessionEvents,
    FirstUsersSeeder,
    LoginThrottlerGuard,
    { provide: APP_GUARD, useClass: AccessTokenGuard },
  ],
  exports: [AuthService, UsersService, AccessTokenService, SessionEvents],
})
export class AuthModule {}

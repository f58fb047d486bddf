import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { AuthModule } from '@herald/auth';
import { HeraldConfig, HeraldConfigModule } from '@herald/common';
import { heraldDataSourceOptions, isTransientConnectionError, RedisModule, runMigrations, safeError } from '@herald/database';
import { NotificationsModule } from '@herald/notifications';
import { RealtimeModule } from '@herald/realtime';
import { OrdersModule } from '@herald/orders';
import { ApprovalsModule } from '@herald/approvals';
import { HealthController } from './health/health.controller';
import { MetaController } from './meta.controller';
import { accessLogOptions, loggedRequest } from './access-log';
import { MetricsModule } from './metrics/metrics.module';
import { ENTITIES, MIGRATIONS } from './persistence';

@Module({})
export class AppModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    if (!config.databaseUrl) throw new Error('databaseUrl must be resolved before the app module is built');
    const url = config.databaseUrl;
    return {
      module: AppModule,
      imports: [
        HeraldConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.LOG_LEVEL,
            // One access line per answered request (route pattern, status, duration, user or key, request id).
            ...accessLogOptions(),
            // A request is logged as its method and path only: never its headers (Authorization, X-Api-Key, cookies) nor
            // its query string (an SSE ticket). Errors are logged without a failed query's parameters or row values
            // (password hashes leaked that way). (Not pino's `redact`: it clones every request's bindings, 6% of a push.)
            serializers: { err: safeError, req: loggedRequest },
            transport:
              process.stdout.isTTY && config.NODE_ENV !== 'production'
                ? { target: 'pino-pretty', options: { singleLine: true, ignore: 'pid,hostname,req,res' } }
                : undefined,
          },
        }),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...heraldDataSourceOptions({
              url,
              embedded: config.embeddedDatabase,
              poolSize: config.DATABASE_POOL_SIZE,
              entities: ENTITIES,
              migrations: MIGRATIONS,
            }),
            // A database still starting is waited for (~10 s); a wrong password or a failed migration is not.
            retryAttempts: 5,
            retryDelay: 2000,
            toRetry: isTransientConnectionError,
          }),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            try {
              await runMigrations(dataSource, { embedded: config.embeddedDatabase });
            } catch (err) {
              await dataSource.destroy();
              throw err;
            }
            return dataSource;
          },
        }),
        TerminusModule,
        MetricsModule,
        RedisModule,
        AuthModule,
        NotificationsModule,
        RealtimeModule,
        OrdersModule,
        ApprovalsModule,
      ],
      controllers: [HealthController, MetaController],
    };
  }
}

import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { HeraldConfig } from './environment';

export const HERALD_CONFIG = Symbol('HERALD_CONFIG');

/**
 * Makes the validated configuration available everywhere, both as the typed `HERALD_CONFIG`
 * and through `ConfigService.get('herald')`. The configuration is validated once, before Nest
 * starts, by `loadConfig()`; tests pass their own object to run several instances in one process.
 */
@Global()
@Module({})
export class HeraldConfigModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    return {
      module: HeraldConfigModule,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ herald: config })] })],
      providers: [{ provide: HERALD_CONFIG, useValue: config }],
      exports: [HERALD_CONFIG, ConfigModule],
    };
  }
}

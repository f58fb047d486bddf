import { DynamicModule, Global, Module } from '@nestjs/common';
import { HeraldConfig } from './environment';

export const HERALD_CONFIG = Symbol('HERALD_CONFIG');

/**
 * Makes the validated configuration available everywhere as the typed `HERALD_CONFIG`. The
 * configuration is validated once, before Nest starts, by `loadConfig()`; tests pass their own
 * object to run several instances in one process. Global: every layer reads it, as it reads the logger.
 */
@Global()
@Module({})
export class HeraldConfigModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    return {
      module: HeraldConfigModule,
      providers: [{ provide: HERALD_CONFIG, useValue: config }],
      exports: [HERALD_CONFIG],
    };
  }
}

import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/common';
import { ApiKeysService } from './api-keys.service';

/** In demo mode, makes sure the demo API key exists and prints it with a ready-to-paste example. */
@Injectable()
export class DemoApiKeySeeder implements OnApplicationBootstrap {
  private readonly log = new Logger('Seed');

  constructor(
    private readonly keys: ApiKeysService,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.demoSeed || !this.config.jwtSecret) return;
    const key = await this.keys.ensureDemoKey(this.config.jwtSecret);
    this.log.log(
      { apiKey: key },
      `Demo API key: ${key} — try: curl -X POST http://localhost:${this.config.PORT}/api/push -H 'X-Api-Key: ${key}' ` +
        `-H 'content-type: application/json' -d '{"to":{"all":true},"type":"demo.hello","title":"Hello from the push API"}'`,
    );
  }
}

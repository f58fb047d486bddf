import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Public } from '@herald/auth';
import { ApiErrors, ApiNoSecurity, HERALD_CONFIG, HeraldConfig } from '@herald/common';

/** The locales the web UI ships, in the order it offers them. */
export const UI_LOCALES = ['en', 'zh-CN'] as const;

/** The version in the root package.json, found by walking up (the same from src/ under ts-jest and from dist/). */
function heraldVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'herald' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return '0.0.0';
  }
}

export class MetaResponse {
  @ApiProperty({ example: '0.1.0', description: "Herald's version (the root package.json)" }) version!: string;
  @ApiProperty({ example: false, description: 'Demo mode: the demo users and API key are seeded; the login page offers the demo accounts only then' }) demo!: boolean;
  @ApiProperty({ type: [String], example: [...UI_LOCALES], description: 'Locales the web UI offers' }) locales!: string[];
}

@ApiTags('operations')
// 400: the NUL-character check runs on every route's query, this one too.
@ApiErrors(400)
@Public()
@Controller('api/meta')
export class MetaController {
  private readonly version = heraldVersion();

  constructor(@Inject(HERALD_CONFIG) private readonly config: HeraldConfig) {}

  /** What a client needs before signing in: the version, whether this is a demo, the UI's locales. */
  @Get()
  @ApiNoSecurity()
  @ApiOperation({ summary: 'Server facts for clients before sign-in: version, demo mode, UI locales' })
  @ApiOkResponse({ type: MetaResponse })
  meta(): MetaResponse {
    return { version: this.version, demo: this.config.demoSeed, locales: [...UI_LOCALES] };
  }
}

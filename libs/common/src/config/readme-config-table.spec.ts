import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentVariables } from './environment';

// Plain CommonJS so that it also runs as `node scripts/config-table.js`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { configTable, environmentVariables } = require('../../../../scripts/config-table.js') as {
  configTable(): string;
  environmentVariables(): Array<{ name: string; description: string; default: string }>;
};

describe('README configuration table', () => {
  it('lists every variable with its real default and a description', () => {
    const listed = environmentVariables();
    const defaults = new EnvironmentVariables() as unknown as Record<string, unknown>;
    for (const name of Object.keys(defaults)) expect(listed.map((v) => v.name)).toContain(name);
    for (const v of listed) {
      expect(v.description.length).toBeGreaterThan(10);
      const actual = defaults[v.name];
      expect(v.default).toBe(actual === undefined ? '' : String(actual));
    }
  });

  it('is in the README exactly as generated (run `node scripts/config-table.js` and paste it)', () => {
    const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');
    expect(readme).toContain(configTable());
  });
});

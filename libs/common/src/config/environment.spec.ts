import { ConfigurationError, loadConfig } from './environment';

const SECRET = 'a-secret-that-is-at-least-32-bytes-long';

function problem(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigurationError);
    return (err as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('runs with no configuration at all: embedded database, demo users, documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '127.0.0.1', // demo passwords are public: this machine only
      DATA_DIR: '.data',
      DATABASE_POOL_SIZE: 10,
      ACCESS_TOKEN_TTL: 900,
      REFRESH_TOKEN_TTL: 2_592_000,
      LOG_LEVEL: 'info',
      DEMO_PASSWORD: 'herald-demo',
      LOGIN_RATE_PER_IP: 30,
      LOGIN_RATE_PER_USER: 10,
      REFRESH_RATE_PER_IP: 60,
      embeddedDatabase: true,
      demoSeed: true,
      corsOrigins: [],
      databaseUrl: undefined,
      jwtSecret: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('binds every address outside demo mode, and follows HOST when given', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://db/herald' }).HOST).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
    expect(loadConfig({ DATABASE_URL: 'postgres://db/herald', HOST: '10.0.0.5' }).HOST).toBe('10.0.0.5');
  });

  it('reads numbers, booleans and lists from strings', () => {
    const config = loadConfig({
      PORT: '8080',
      ACCESS_TOKEN_TTL: '60',
      DEMO_SEED: 'false',
      CORS_ORIGINS: ' https://a.example , https://b.example ,',
      DATABASE_URL: 'postgres://u:p@db:5432/herald',
      JWT_SECRET: SECRET,
    });
    expect(config).toMatchObject({ PORT: 8080, ACCESS_TOKEN_TTL: 60, demoSeed: false, embeddedDatabase: false, jwtSecret: SECRET });
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', JWT_SECRET: '' })).toMatchObject({ PORT: 3000, embeddedDatabase: true, jwtSecret: undefined });
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ PATH: '/bin', SOMETHING_ELSE: '???' })).not.toThrow();
  });

  it.each([
    ['NODE_ENV', 'staging', /one of the following values: development, production, test/],
    ['PORT', 'abc', /integer/],
    ['PORT', '3000abc', /integer/],
    ['PORT', '70000', /not be greater than 65535/],
    ['DATABASE_URL', 'mysql://db/herald', /postgres:\/\/ or postgresql:\/\/ URL/],
    ['DATABASE_POOL_SIZE', '0', /not be less than 1/],
    ['REDIS_URL', 'http://cache:6379', /redis:\/\/ or rediss:\/\/ URL/],
    ['JWT_SECRET', 'too-short', /at least 32 bytes/],
    ['ACCESS_TOKEN_TTL', '-5', /not be less than 1/],
    ['ACCESS_TOKEN_TTL', '1.5', /integer/],
    ['REFRESH_TOKEN_TTL', '10', /not be less than 60/],
    ['LOG_LEVEL', 'loud', /one of the following values: trace/],
    ['DEMO_SEED', 'maybe', /boolean/],
    ['DEMO_PASSWORD', 'short', /longer than or equal to 8/],
    ['LOGIN_RATE_PER_IP', '0', /not be less than 1/],
    ['LOGIN_RATE_PER_USER', 'many', /integer/],
    ['REFRESH_RATE_PER_IP', '0', /not be less than 1/],
  ])('refuses %s=%s with a message naming the variable', (name, value, expected) => {
    const message = problem({ [name]: value });
    expect(message).toMatch(new RegExp(`^Invalid configuration: ${name}=`));
    expect(message).toMatch(expected);
    expect(message).not.toContain('\n');
    // One complaint per variable, the most telling one.
    expect(message.match(new RegExp(`${name}=`, 'g'))).toHaveLength(1);
  });

  it('names every bad variable at once, on one line', () => {
    const message = problem({ PORT: 'x', LOG_LEVEL: 'loud' });
    expect(message).toMatch(/PORT=.*; LOG_LEVEL=/);
    expect(message).not.toContain('\n');
  });

  it('never prints secrets or passwords', () => {
    const message = problem({ JWT_SECRET: 'my-short-secret', DEMO_PASSWORD: 'pw', ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'tiny' });
    expect(message).toMatch(/JWT_SECRET=\(hidden\)/);
    expect(message).toMatch(/ADMIN_PASSWORD=\(hidden\)/);
    expect(message).not.toMatch(/my-short-secret|tiny|"pw"/);
  });

  it('takes METRICS_TOKEN of 16+ characters, unset by default, and never prints it', () => {
    expect(loadConfig({}).METRICS_TOKEN).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: '' }).METRICS_TOKEN).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'scrape-token-0123456789' }).METRICS_TOKEN).toBe('scrape-token-0123456789');
    const message = problem({ METRICS_TOKEN: 'short-token' });
    expect(message).toMatch(/METRICS_TOKEN=\(hidden\): must be at least 16 characters long/);
    expect(message).not.toContain('short-token');
  });

  it('wants ADMIN_USERNAME and ADMIN_PASSWORD together, each well-formed', () => {
    expect(problem({ ADMIN_USERNAME: 'root' })).toMatch(/ADMIN_USERNAME and ADMIN_PASSWORD: set both or neither/);
    expect(problem({ ADMIN_PASSWORD: 'long-enough-password' })).toMatch(/set both or neither/);
    expect(problem({ ADMIN_USERNAME: 'a b', ADMIN_PASSWORD: 'long-enough-password' })).toMatch(/ADMIN_USERNAME=.*3-64 letters/);
    expect(problem({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'short' })).toMatch(/ADMIN_PASSWORD=\(hidden\): must be longer than or equal to 12/);
    expect(loadConfig({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'long-enough-password' }).ADMIN_USERNAME).toBe('root');
  });

  describe('in production', () => {
    const prod = { NODE_ENV: 'production', DATABASE_URL: 'postgresql://db/herald', JWT_SECRET: SECRET };

    it('refuses to start without JWT_SECRET', () => {
      expect(problem({ ...prod, JWT_SECRET: '' })).toBe('Invalid configuration: JWT_SECRET: is required when NODE_ENV=production (at least 32 bytes)');
    });

    it('refuses a JWT_SECRET shorter than 32 bytes', () => {
      expect(problem({ ...prod, JWT_SECRET: 'x'.repeat(31) })).toMatch(/JWT_SECRET=\(hidden\): must be at least 32 bytes long/);
      expect(loadConfig({ ...prod, JWT_SECRET: 'x'.repeat(32) }).jwtSecret).toHaveLength(32);
    });

    it('refuses to start without DATABASE_URL (no embedded database in production)', () => {
      expect(problem({ ...prod, DATABASE_URL: '' })).toMatch(/DATABASE_URL: is required when NODE_ENV=production/);
    });

    it('seeds no demo users unless DEMO_SEED=true is given explicitly', () => {
      expect(loadConfig(prod).demoSeed).toBe(false);
      expect(loadConfig({ ...prod, DEMO_SEED: 'true' }).demoSeed).toBe(true);
    });
  });

  it('seeds demo users by default only with the embedded database', () => {
    expect(loadConfig({}).demoSeed).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/herald' }).demoSeed).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/herald', DEMO_SEED: 'yes' }).demoSeed).toBe(true);
    expect(loadConfig({ DEMO_SEED: '0' }).demoSeed).toBe(false);
  });
});

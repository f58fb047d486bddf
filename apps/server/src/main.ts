import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigurationError } from '@herald/common';
import { describeConnectionError, EmbeddedDatabaseLockedError } from '@herald/database';
import { PortInUseError, startBanner, startHerald } from './herald';

async function main(): Promise<void> {
  const herald = await startHerald(process.env);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    herald.close().then(
      () => {
        new Logger('Herald').log({ signal }, 'Herald stopped');
        process.exit(0);
      },
      (err: unknown) => {
        console.error(`Error while stopping after ${signal}:`, err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  // The banner is a convenience: failing to derive it must not stop a server that is serving.
  const banner = await startBanner(herald).catch((err: unknown) => {
    new Logger('Herald').warn({ err }, 'Could not print the start banner');
    return null;
  });
  if (banner) process.stdout.write(banner);
}

main().catch((err: unknown) => {
  // Configuration, lock and connection problems are the operator's to fix: one line, no stack.
  const connection = describeConnectionError(err, process.env.DATABASE_URL);
  if (err instanceof ConfigurationError || err instanceof EmbeddedDatabaseLockedError || err instanceof PortInUseError) {
    console.error(`herald: ${err.message}`);
  } else if (connection) {
    console.error(`herald: ${connection}`);
  } else {
    console.error('herald: failed to start:', err);
  }
  process.exit(1);
});

#!/usr/bin/env node
// Runs the embedded database (PGlite behind the PostgreSQL wire protocol) as a process of its own,
// printing one JSON line {"url": ...} once it accepts connections. Tests use it as their fallback
// when no PostgreSQL is reachable; stop it with SIGTERM. Needs `npm run build` first.
const { resolve } = require('node:path');
const { startEmbeddedDatabase } = require(resolve(__dirname, '../dist/libs/database/src/embedded-database.js'));

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/embedded-database.js <data folder>');
  process.exit(2);
}
startEmbeddedDatabase(dir).then(
  (db) => {
    process.stdout.write(`${JSON.stringify({ url: db.url })}\n`);
    const stop = () => db.stop().then(() => process.exit(0), () => process.exit(1));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  },
  (err) => {
    console.error(`embedded database: ${err.message}`);
    process.exit(1);
  },
);

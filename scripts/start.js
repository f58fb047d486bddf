#!/usr/bin/env node
// `npm start`: builds what is stale, then runs the server in this very process, so signals
// (Ctrl-C, SIGTERM from a supervisor) and the exit code are the server's own.
'use strict';
require('./node-version').requireSupportedNode();
const { buildIfStale, SERVER_ENTRY } = require('./build-if-stale');

try {
  buildIfStale();
} catch (err) {
  console.error(`herald: the build failed (${err.message}); fix the errors above and run npm start again.`);
  process.exit(1);
}
require(SERVER_ENTRY);

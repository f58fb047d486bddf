#!/usr/bin/env node
// `npm start`: builds what is stale, then runs the server in this very process, so signals
// (Ctrl-C, SIGTERM from a supervisor) and the exit code are the server's own.
'use strict';
require('./node-version').requireSupportedNode();
const { buildIfStale, BuildToolsMissingError, SERVER_ENTRY } = require('./build-if-stale');

try {
  buildIfStale();
} catch (err) {
  // Without build tools nothing was built, so "the build failed" would send the operator the wrong way.
  if (err instanceof BuildToolsMissingError) console.error(err.message);
  else console.error(`herald: the build failed (${err.message}); fix the errors above and run npm start again.`);
  process.exit(1);
}
require(SERVER_ENTRY);

// Builds the server (and the web UI, once it exists) only when the output is missing or older than
// a source file, so that `npm start` on a fresh clone builds and a second start is immediate.
// Used by scripts/start.js and by the tests that run the built server as a child process.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const SERVER_ENTRY = join(ROOT, 'dist/apps/server/src/main.js');
// tsc leaves unchanged outputs alone, so their mtimes say nothing; its build info (written by
// `nest build server` from any script) and our stamp (written after a successful build) do.
const SERVER_BUILD_MARKS = [join(ROOT, 'dist/.tsbuildinfo.server'), join(ROOT, 'dist/.server-build-stamp')];
const WEB_CONFIG = join(ROOT, 'apps/web/vite.config.ts');
const NEST_CLI = join(ROOT, 'node_modules/@nestjs/cli/bin/nest.js');
const VITE_CLI = join(ROOT, 'node_modules/vite/bin/vite.js');
const WEB_OUTPUT = join(ROOT, 'apps/web/dist/index.html');
const SKIP = new Set(['node_modules', 'dist', '.data', 'coverage']);

/** Newest modification time (ms) of the files under `paths` (files or folders), 0 if none. */
function newestMtime(paths, accept = () => true) {
  let newest = 0;
  const visit = (path) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return; // a path that does not exist contributes nothing
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (!SKIP.has(entry)) visit(join(path, entry));
    } else if (accept(path)) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  paths.forEach((p) => visit(join(ROOT, p)));
  return newest;
}

const mtimeOf = (file) => (existsSync(file) ? statSync(file).mtimeMs : 0);
const isServerSource = (p) => /\.(ts|json)$/.test(p) && !p.endsWith('.spec.ts');

function serverIsStale() {
  if (!existsSync(SERVER_ENTRY)) return true;
  const built = Math.max(...SERVER_BUILD_MARKS.map(mtimeOf));
  const libs = readdirSync(join(ROOT, 'libs')).map((lib) => `libs/${lib}/src`);
  const sources = ['apps/server/src', ...libs, 'migrations', 'bench', 'tsconfig.json', 'apps/server/tsconfig.app.json', 'nest-cli.json'];
  return newestMtime(sources, isServerSource) > built;
}

function webIsStale() {
  if (!existsSync(WEB_CONFIG)) return false;
  if (!existsSync(WEB_OUTPUT)) return true;
  return newestMtime(['apps/web', 'libs/contracts/src', 'libs/client/src'], (p) => !p.endsWith('.spec.ts')) > mtimeOf(WEB_OUTPUT);
}

/** Thrown when a build is needed but the build tools are not installed (a production install). */
class BuildToolsMissingError extends Error {}

const NO_BUILD_TOOLS =
  'herald: dist/ is missing and the build tools are not installed (a production install, npm ci --omit=dev): ' +
  'build first where the dev dependencies are, with `npm ci && npm run build && npx vite build --config apps/web/vite.config.ts`, ' +
  'then run `npm ci --omit=dev` here, or copy that dist/ (and apps/web/dist/) to this host; see docs/production.md.';

function run(script, args, log) {
  log(`$ ${[script.replace(`${ROOT}/`, ''), ...args].join(' ')}`);
  execFileSync(process.execPath, [script, ...args], { cwd: ROOT, stdio: 'inherit' });
}

/** Builds what is stale (the web UI too unless `web: false`); throws if a build fails. Returns what was built. */
function buildIfStale({ log = (m) => console.log(`[herald] ${m}`), web = true } = {}) {
  const built = [];
  // A production install has no compiler: run the dist/ that was shipped, stale or not; without one, say how to get it.
  if (!existsSync(NEST_CLI)) {
    if (!existsSync(SERVER_ENTRY)) throw new BuildToolsMissingError(NO_BUILD_TOOLS);
    return built;
  }
  if (serverIsStale()) {
    log('building the server (dist/ is missing or older than the sources)…');
    run(NEST_CLI, ['build', 'server'], log);
    writeFileSync(SERVER_BUILD_MARKS[1], new Date().toISOString());
    built.push('server');
  }
  if (web && webIsStale() && existsSync(VITE_CLI)) {
    log('building the web UI (apps/web/dist is missing or older than its sources)…');
    run(VITE_CLI, ['build', '--config', WEB_CONFIG], log);
    built.push('web');
  }
  return built;
}

module.exports = { buildIfStale, serverIsStale, webIsStale, BuildToolsMissingError, SERVER_ENTRY, ROOT };

if (require.main === module) buildIfStale();

#!/usr/bin/env node
// Builds the installable @herald/client (libs/client/dist): ESM and CJS with declarations, the contracts it uses included.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const clientDir = path.join(__dirname, '..', 'libs', 'client');
const distDir = path.join(clientDir, 'dist');
const ts = require('typescript');
// Where tsc puts each library under dist/<format>/ (rootDir is libs/).
const CONTRACTS_INDEX = path.join('contracts', 'src', 'index');
// Module specifiers in emitted JS and declarations: from '…', import('…'), require('…'), import '…'.
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)(['"])([^'"\n]+)\2/g;

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** The specifier Node's own resolver accepts: `.js` added, the `@herald/contracts` alias made relative. */
function rewrite(spec, file, formatRoot) {
  let target;
  if (spec === '@herald/contracts') target = path.join(formatRoot, CONTRACTS_INDEX);
  else if (spec.startsWith('@herald/contracts/')) target = path.join(formatRoot, 'contracts', 'src', spec.slice('@herald/contracts/'.length));
  else if (spec.startsWith('@herald/')) throw new Error(`${path.relative(distDir, file)} imports ${spec}: only @herald/contracts is bundled into the client`);
  else if (spec.startsWith('./') || spec.startsWith('../')) target = path.resolve(path.dirname(file), spec);
  else return spec; // a package (socket.io-client) or a node: builtin
  if (target.endsWith('.js')) target = target.slice(0, -3);
  if (fs.existsSync(`${target}.js`)) target = `${target}.js`;
  else if (fs.existsSync(path.join(target, 'index.js'))) target = path.join(target, 'index.js');
  else throw new Error(`${path.relative(distDir, file)}: cannot resolve ${spec}`);
  let rel = path.relative(path.dirname(file), target).split(path.sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel;
}

function markType(root, type) {
  // Tells Node (and TypeScript's node16 resolution) how to read the .js and .d.ts files below.
  fs.writeFileSync(path.join(root, 'package.json'), `${JSON.stringify({ type }, null, 2)}\n`);
}

fs.rmSync(distDir, { recursive: true, force: true });
// One type-checked compile to ESM with declarations (tsconfig.build.json)…
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(clientDir, 'tsconfig.build.json')], { stdio: 'inherit' });
const esm = path.join(distDir, 'esm');
for (const file of walk(esm).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
  const text = fs.readFileSync(file, 'utf8');
  const out = text.replace(SPECIFIER, (_m, lead, quote, spec) => `${lead}${quote}${rewrite(spec, file, esm)}${quote}`);
  if (out !== text) fs.writeFileSync(file, out);
}
markType(esm, 'module');
// …then the same modules transpiled to CommonJS (a second checked compile would only double the time), same declarations.
const cjs = path.join(distDir, 'cjs');
for (const file of walk(esm).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
  const target = path.join(cjs, path.relative(esm, file));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (file.endsWith('.d.ts')) {
    fs.copyFileSync(file, target);
    continue;
  }
  const { outputText, diagnostics } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  if (diagnostics?.length) throw new Error(`${file}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n')}`);
  fs.writeFileSync(target, outputText);
}
markType(cjs, 'commonjs');
console.log(`built ${path.relative(process.cwd(), distDir)} (esm, cjs, types)`);

// --pack=DIR: also `npm pack` the package into DIR and print the tarball's path (the last line).
const packArg = process.argv.find((a) => a.startsWith('--pack='));
if (packArg) {
  const dest = path.resolve(packArg.slice('--pack='.length));
  fs.mkdirSync(dest, { recursive: true });
  // Under an npm script, the npm that runs us; else the one on PATH.
  const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
  // Without the calling script's prefix settings, which would point npm at the repository root instead of libs/client.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(config_(local_)?prefix$|package_|lifecycle_)/i.test(k)));
  const out = execFileSync(npm[0], [...npm[1], 'pack', clientDir, '--json', '--pack-destination', dest], { cwd: clientDir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  console.log(path.join(dest, JSON.parse(out)[0].filename));
}

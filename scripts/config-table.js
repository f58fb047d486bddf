#!/usr/bin/env node
// Prints the README's configuration table from the EnvironmentVariables class in
// libs/common/src/config/environment.ts: each property's doc comment, name and default.
// A unit test (libs/common/src/config/readme-config-table.spec.ts) fails when the README drifts.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const SOURCE = join(__dirname, '../libs/common/src/config/environment.ts');

/** [{name, description, default}] in declaration order. */
function environmentVariables(source = readFileSync(SOURCE, 'utf8')) {
  const body = source.slice(source.indexOf('export class EnvironmentVariables'));
  const classBody = body.slice(0, body.indexOf('\n}\n'));
  const pattern = /\/\*\*\s*([\s\S]*?)\s*\*\/\s*\n(?:\s*@[^\n]*\n)*\s*([A-Z][A-Z0-9_]*)\??\s*(?::\s*[^=;\n]+)?(?:=\s*([^;\n]+))?;/g;
  const vars = [];
  for (const m of classBody.matchAll(pattern)) {
    const description = m[1].split('\n').map((l) => l.replace(/^\s*\*\s?/, '').trim()).join(' ').trim();
    const raw = m[3]?.trim();
    const value = raw === undefined ? '' : raw.replace(/^'(.*)'$/, '$1').replace(/_/g, '');
    vars.push({ name: m[2], description, default: value });
  }
  return vars;
}

function configTable(vars = environmentVariables()) {
  const cell = (s) => s.replace(/\|/g, '\\|');
  const rows = vars.map((v) => `| \`${v.name}\` | ${v.default === '' ? '—' : `\`${cell(v.default)}\``} | ${cell(v.description)} |`);
  return ['| variable | default | what it is |', '|---|---|---|', ...rows].join('\n');
}

module.exports = { environmentVariables, configTable };

if (require.main === module) process.stdout.write(`${configTable()}\n`);

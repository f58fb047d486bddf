// Checks the running Node against package.json's engines before anything loads, so that an old Node
// gives one clear sentence instead of a stack trace from a dependency. Written for any Node >= 12.
'use strict';
const { engines } = require('../package.json');

const parse = (v) => v.replace(/^v/, '').split('.').map(Number);
const atLeast = (have, want) => {
  for (let i = 0; i < 3; i++) if ((have[i] || 0) !== (want[i] || 0)) return (have[i] || 0) > (want[i] || 0);
  return true;
};
/** True when `version` satisfies `range`, which may use `||`, `^x.y.z` and `>=x.y.z` (all engines uses). */
function satisfies(version, range) {
  const have = parse(version);
  return range.split('||').some((part) => {
    const [, op, v] = /^\s*(\^|>=)\s*(\S+)\s*$/.exec(part) || [];
    if (!op) throw new Error(`engines.node uses a form this check does not read: ${part.trim()}`);
    const want = parse(v);
    return op === '>=' ? atLeast(have, want) : have[0] === want[0] && atLeast(have, want);
  });
}

/** Exits with a sentence saying what to do when this Node is older than engines.node. */
function requireSupportedNode() {
  if (satisfies(process.versions.node, engines.node)) return;
  console.error(
    `herald: this is Node ${process.versions.node}, and Herald needs Node ${engines.node}. ` +
      'Install Node 24 LTS (the production recipe), or on Linux x64/arm64 run `npm ci` without --omit=optional: ' +
      'it installs the pinned node-linux-* binary that npm scripts then use.',
  );
  process.exit(1);
}

module.exports = { satisfies, requireSupportedNode };

if (require.main === module) requireSupportedNode();

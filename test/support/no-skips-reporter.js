/**
 * In CI (CI=true) a skipped or todo test fails the run: every test must prove something there.
 * Outside CI, skips are allowed but listed, each with the reason its file printed.
 */
class NoSkipsReporter {
  onRunComplete(_contexts, results) {
    const skipped = [];
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') skipped.push(`${file.testFilePath}: ${t.fullName}`);
      }
    }
    if (!skipped.length) return;
    const list = skipped.map((s) => `  - ${s}`).join('\n');
    if (process.env.CI === 'true' || process.env.CI === '1') {
      process.stderr.write(`\n${skipped.length} test(s) were skipped, and CI allows none:\n${list}\n`);
      process.exitCode = 1;
      this._failed = true;
    } else {
      process.stderr.write(`\n${skipped.length} test(s) skipped (allowed outside CI):\n${list}\n`);
    }
  }

  getLastError() {
    return this._failed ? new Error('Skipped tests are not allowed in CI') : undefined;
  }
}
module.exports = NoSkipsReporter;

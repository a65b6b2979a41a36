// npm test: builds the app (browser tests run against the build), runs every unit and browser
// test with vitest, and ends with one plain line "N passed, N failed" that CI reads.
import { execSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';

mkdirSync('test/output', { recursive: true });
execSync('npx vite build --logLevel warn', { stdio: 'inherit' });
const report = 'test/output/vitest-report.json';
rmSync(report, { force: true });
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const res = spawnSync('npx', args, { stdio: 'inherit' });
let passed = 0;
let failed;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests;
  // A file that fails to load counts as a failure even though it ran no tests.
  failed = json.numFailedTests + (json.testResults ?? []).filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
} else {
  failed = 1;
}
if (res.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

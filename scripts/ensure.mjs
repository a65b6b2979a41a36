// Sets up whatever a fresh machine is missing before `npm start`, `npm test` or `npm run bench`:
// npm dependencies (npm ci from the committed lock file) and, with --browser, Debian's Chromium.
// Plain Node with no dependencies, because it runs before they exist.
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';

const run = (cmd) => {
  console.log(`[setup] ${cmd}`);
  execSync(cmd, { stdio: 'inherit' });
};

const lock = 'package-lock.json';
const installed = 'node_modules/.package-lock.json';
if (!existsSync(installed) || statSync(lock).mtimeMs > statSync(installed).mtimeMs + 1000) {
  run('npm ci --no-audit --no-fund');
}

if (process.argv.includes('--browser') && !existsSync('/usr/bin/chromium')) {
  const isRoot = process.getuid?.() === 0;
  const sudo = isRoot ? '' : 'sudo ';
  try {
    run(`${sudo}apt-get install -y chromium`);
  } catch {
    run(`${sudo}apt-get update`);
    run(`${sudo}apt-get install -y chromium`);
  }
  if (!existsSync('/usr/bin/chromium')) {
    console.error('Could not install Chromium at /usr/bin/chromium; browser tests need it (apt-get install -y chromium).');
    process.exit(1);
  }
}

for (const f of ['public/data/pbmc3k/dataset.bin', 'models/pbmc3k-vae/manifest.json', 'models/pbmc3k-classifier/manifest.json']) {
  if (!existsSync(f)) {
    console.error(`${f} is missing: it is committed to the repository. Run npm run prepare-data and npm run train to rebuild it.`);
    process.exit(1);
  }
}

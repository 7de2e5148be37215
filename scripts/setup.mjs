// Runs before `npm start` and `npm test`: installs what a fresh clone is missing, and nothing more.
// Plain JavaScript on purpose: it must run before any dependency (tsx, TypeScript) is installed.
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const hashOf = (...files) => {
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(file));
  return hash.digest('hex');
};
const stale = (stampFile, hash) => !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== hash;
const sh = (command, env = {}) => execSync(command, { stdio: 'inherit', env: { ...process.env, ...env } });

const lockHash = hashOf('package.json', 'package-lock.json');
const lockStamp = 'node_modules/.duzhan-installed';
if (stale(lockStamp, lockHash)) {
  console.error('duzhan: installing npm dependencies (npm ci)…');
  sh('npm ci --no-audit --no-fund --loglevel=error');
  writeFileSync(lockStamp, lockHash);
}

// The Prisma CLI insists on a native schema-engine path even though `generate` never runs it;
// the generated client itself uses no native engine (queries go through @prisma/adapter-pg).
const schemaHash = hashOf('prisma/schema.prisma', 'package-lock.json');
const schemaStamp = 'prisma/generated/.schema-hash';
if (stale(schemaStamp, schemaHash)) {
  sh('npx prisma generate', { PRISMA_SCHEMA_ENGINE_BINARY: '/dev/null', PRISMA_HIDE_UPDATE_MESSAGE: '1' });
  writeFileSync(schemaStamp, schemaHash);
}

// Browser tests drive Debian's Chromium through playwright-core (a browser download is not
// possible here). `npm test` passes --browser; `npm start` needs no browser.
if (process.argv.includes('--browser') && !existsSync('/usr/bin/chromium')) {
  if (process.getuid?.() !== 0) {
    console.error('duzhan: browser tests need Chromium: run `sudo apt-get install chromium` once');
    process.exit(1);
  }
  console.error('duzhan: installing Chromium for the browser tests (apt-get)…');
  sh(
    'apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null',
    {
      DEBIAN_FRONTEND: 'noninteractive',
    },
  );
}

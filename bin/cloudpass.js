#!/usr/bin/env node
// The `cloudpass` command: runs the JavaScript build, dist/cli.js (`npm run build`, and npm's `prepare` on
// install). When a source file is newer than the build (an edit, a pull, an upgraded dependency), it
// builds first, so `npm start` and `npx cloudpass` never run stale code. A production install
// (`npm ci --omit=dev`) has no esbuild: it runs the build it has, and needs one.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist', 'cli.js');
const stamp = join(root, 'dist', '.build-stamp');
/** What the build is made of, besides src/: a change to any of them makes dist/ stale. */
const inputs = ['package-lock.json', 'tsconfig.json', 'scripts/build.js'];

/** Why dist/ must be built again, if it must: no build yet, or a file changed since the build started (test files are not built). */
function staleness() {
  const builtAt = statSync(stamp, { throwIfNoEntry: false })?.mtimeMs;
  if (builtAt === undefined) return 'dist/ holds no build';
  const newer = (path) => (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) > builtAt;
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).find((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : !/\.test\.tsx?$/.test(entry.name) && newer(path);
  });
  const src = join(root, 'src');
  const changed = inputs.find((input) => newer(join(root, input))) ?? (existsSync(src) && walk(src) ? 'src/' : undefined);
  return changed && `${changed} changed since dist/ was built`;
}

const reason = staleness();
if (reason) {
  if (canBuild()) {
    // In a child process, so that esbuild's own service process does not live on beside this one.
    const result = spawnSync(process.execPath, [join(root, 'scripts', 'build.js')], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0) process.exit(result.status ?? 1);
  } else if (existsSync(built)) {
    console.error(`cloudpass: ${reason}, but esbuild is not installed to rebuild it (npm ci with dev dependencies, then npm run build); running the existing build`);
  } else {
    console.error('cloudpass: there is no build in dist/ and esbuild is not installed to make one: run `npm ci` (with dev dependencies), then `npm run build`');
    process.exit(1);
  }
}

function canBuild() {
  try {
    createRequire(import.meta.url).resolve('esbuild');
    return existsSync(join(root, 'scripts', 'build.js'));
  } catch {
    return false;
  }
}
await import(pathToFileURL(built).href);

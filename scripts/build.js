#!/usr/bin/env node
// `npm run build`: compiles src/ into one ES module, dist/cli.js (with dist/cli.js.map), for Node 20.
// `npm start` and `npx cloudpass` run it (bin/cloudpass.js rebuilds first when src/ is newer); tests and
// benchmarks keep running the TypeScript through tsx.
//
// One bundle, dependencies included, because that is what starts fastest and smallest. `serve` on a
// migrated SQLite database, medians of 5 starts on 2 cores shared with other work (load ~16): built file
// by file, 1.89 s of CPU to ready and 123 MB idle; src/ as one bundle, 1.67 s and 122 MB; with its
// dependencies bundled too, 0.92 s and 97 MB: Node 20 loads many small ES modules slowly (kysely and
// TypeBox are ~270 files each). Left out of the bundle, and loaded from node_modules: native addons;
// ioredis and nodemailer, imported only when configured; pg and the common-password list, which the code
// loads with createRequire when first needed.
//
// `--if-possible` (npm's `prepare`, which also runs on `npm ci --omit=dev`): without esbuild installed,
// say so and leave dist/ as it is instead of failing the install.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
/** Written last; bin/cloudpass.js compares source files' times with its time (that of the build's start). */
const stampFile = join(dist, '.build-stamp');

const EXTERNAL = ['argon2', 'better-sqlite3', 'pg', 'pg-native', 'ioredis', 'nodemailer'];

/**
 * Folders the code reads next to itself (`new URL('./assets/', import.meta.url)`), copied next to the
 * bundle: in dist/ every module's `import.meta.url` is dist/cli.js's. checkFileReferences keeps this list whole.
 */
const COPIED = [
  { from: 'src/web/assets', to: 'assets' }, // web/assets.ts
  { from: 'src/i18n/messages', to: 'messages' }, // i18n/catalogue.ts
  { from: 'src/modules/help/articles', to: 'articles' }, // modules/help/help.service.ts
];

/**
 * @fastify/swagger-ui serves the files of its own `static/` folder, found through `__dirname`, which a
 * bundle does not have: in its modules, `__dirname` becomes their folder inside the installed package,
 * found at run time. (Loading the package from node_modules instead cost ~70 ms of CPU at every start.)
 */
const swaggerUiFolder = {
  name: 'swagger-ui-folder',
  setup(build) {
    const packageRoot = dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui'));
    build.onLoad({ filter: /[\\/]@fastify[\\/]swagger-ui[\\/].*\.js$/ }, (args) => {
      const folder = relative(packageRoot, dirname(args.path)).split(sep).join('/');
      const runtimeFolder = `require('node:path').join(require('node:path').dirname(require.resolve('@fastify/swagger-ui')), ${JSON.stringify(folder)})`;
      return { contents: readFileSync(args.path, 'utf8').replaceAll('__dirname', runtimeFolder), loader: 'js' };
    });
  },
};

/** Builds dist/. Several processes may build at once (tests start the CLI in parallel): each file is written whole, then renamed. */
async function build() {
  const { build: esbuild } = await import('esbuild');
  const started = new Date();
  const result = await esbuild({
    absWorkingDir: root,
    entryPoints: ['src/cli.ts'],
    outdir: dist,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    tsconfig: join(root, 'tsconfig.json'), // JSX: react-jsx with preact's runtime
    external: EXTERNAL,
    plugins: [swaggerUiFolder],
    // Bundled CommonJS packages require Node's built-ins.
    banner: { js: "import { createRequire as __cloudpassCreateRequire } from 'node:module'; const require = __cloudpassCreateRequire(import.meta.url);" },
    // Keeps names (stack traces stay readable without the source map) and the source ASCII, which V8 stores in half the memory.
    minifyWhitespace: true,
    minifySyntax: true,
    charset: 'ascii',
    legalComments: 'linked',
    sourcemap: 'linked',
    logLevel: 'warning',
    write: false,
  });
  const files = [
    ...result.outputFiles.map((file) => ({ path: file.path, contents: file.contents })),
    ...COPIED.flatMap(({ from, to }) => readdirSync(join(root, from)).map((name) => ({
      path: join(dist, to, name), contents: readFileSync(join(root, from, name)),
    }))),
  ];
  for (const file of files) writeWhole(file.path, file.contents);
  checkFileReferences(readFileSync(join(dist, 'cli.js'), 'utf8'));
  writeWhole(stampFile, `${started.toISOString()}\n`);
  utimesSync(stampFile, started, started);
  return files.map((file) => relative(root, file.path));
}

function writeWhole(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/**
 * The code finds some files next to itself (COPIED, and `../package.json`), which in the bundle are
 * relative to dist/cli.js: each must be there, or the build fails here rather than the program at run time.
 */
function checkFileReferences(code) {
  const missing = [...code.matchAll(/new URL\(\s*["'`]([^"'`]+)["'`]\s*,\s*import\.meta\.url\s*\)/g)]
    .map((match) => match[1])
    .filter((path) => !existsSync(new URL(path, pathToFileURL(join(dist, 'cli.js')))));
  if (missing.length) {
    throw new Error(`dist/cli.js refers to ${missing.join(', ')} next to itself, which the build does not provide: add it to COPIED in scripts/build.js`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifPossible = process.argv.includes('--if-possible');
  try {
    const written = await build();
    console.log(`built dist/: ${written.map((f) => relative('dist', f)).join(', ')}`);
  } catch (error) {
    if (ifPossible && error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes("'esbuild'")) {
      console.log('cloudpass: esbuild is not installed (a production install?), so dist/ was not built; build it where dev dependencies are installed (npm run build)');
      process.exit(0);
    }
    console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

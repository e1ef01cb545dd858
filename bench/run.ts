// `npm run bench [name…]`: runs bench/<name>.bench.ts, or every bench/*.bench.ts when no name is given,
// prints each one's figures and targets, and exits non-zero when a target is missed.
//
// A benchmark is a module `bench/<name>.bench.ts` exporting `run(): Promise<BenchReport | void>` (see
// support.ts; a bench that prints its own figures returns nothing) and, optionally, a one-line `description`. Measure in child processes (`runChild`) so
// each side's time and peak memory are its own.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, type BenchModule } from './support.ts';

const available = readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts')).map((f) => f.slice(0, -'.bench.ts'.length)).sort();
const requested = process.argv.slice(2);
/** Run only when named: `npm run bench soak` takes half an hour. */
const onlyWhenNamed = new Set(['soak']);
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length) {
  console.error(`unknown benchmark: ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}

let missed = 0;
for (const name of requested.length ? requested : available.filter((n) => !onlyWhenNamed.has(n))) {
  const bench = await import(join(benchDir, `${name}.bench.ts`)) as BenchModule;
  console.log(`\n== ${name}${bench.description ? `: ${bench.description}` : ''}`);
  const started = performance.now();
  try {
    const report = await bench.run();
    for (const line of report?.lines ?? []) console.log(`  ${line}`);
    for (const target of report?.targets ?? []) {
      console.log(`  ${target.met ? 'met   ' : 'MISSED'} ${target.label}`);
      if (!target.met) missed++;
    }
  } catch (error) {
    missed++;
    console.log(`  FAILED ${error instanceof Error ? error.message : String(error)}`);
  }
  console.log(`  (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}
if (missed) console.log(`\n${missed} target(s) missed`);
process.exit(missed ? 1 : 0);

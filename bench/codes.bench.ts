// Generating a million pass codes through the real service (the CLI's streaming path, CSV to a file)
// against a bare insert of the same rows with the driver alone, measured in the same run; on SQLite,
// and on PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL is set. BENCH_CODES changes the count.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatCount, formatMb, formatSeconds, freshDatabase, postgresAdminUrl, runChild, type BenchReport, type ChildResult,
} from './support.ts';

export const description = 'pass-code generation: the service\'s streaming path vs a bare driver insert of the same rows';

const MAX_RATIO = 2;
const MAX_RSS_BYTES = 300 * 1024 * 1024;

export async function run(): Promise<BenchReport> {
  const count = Number(process.env.BENCH_CODES ?? 1_000_000);
  const report: BenchReport = { lines: [], targets: [] };
  const kinds = postgresAdminUrl() ? ['sqlite', 'postgres'] as const : ['sqlite'] as const;
  if (kinds.length === 1) report.lines.push('PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL to measure it)');

  for (const kind of kinds) {
    const bare = await measure(kind, 'bare', count);
    const service = await measure(kind, 'service', count);
    const ratio = service.ms / bare.ms;
    const rate = (r: ChildResult) => `${formatCount(r.count / (r.ms / 1000))} codes/s`;
    report.lines.push(
      `${kind} service  ${formatCount(service.count)} codes in ${formatSeconds(service.ms)}  ${rate(service)}  peak RSS ${formatMb(service.maxRssBytes)}`,
      `${kind} bare     ${formatCount(bare.count)} rows  in ${formatSeconds(bare.ms)}  ${rate(bare)}  peak RSS ${formatMb(bare.maxRssBytes)}`,
      `${kind} ratio    service / bare = ${ratio.toFixed(2)}×`,
    );
    report.targets.push(
      { label: `${kind}: service at most ${MAX_RATIO}× the bare insert (${ratio.toFixed(2)}×)`, met: ratio <= MAX_RATIO },
      { label: `${kind}: service peak RSS under ${formatMb(MAX_RSS_BYTES)} (${formatMb(service.maxRssBytes)})`, met: service.maxRssBytes < MAX_RSS_BYTES },
    );
  }
  return report;
}

async function measure(kind: 'sqlite' | 'postgres', side: 'service' | 'bare', count: number): Promise<ChildResult> {
  const database = await freshDatabase(kind);
  const csvDir = mkdtempSync(join(tmpdir(), 'cloudpass-bench-csv-'));
  try {
    const args = side === 'service' ? [database.url, String(count), join(csvDir, 'codes.csv')] : [database.url, String(count)];
    return await runChild('codes-child.ts', [side, ...args]);
  } finally {
    rmSync(csvDir, { recursive: true, force: true });
    await database.drop();
  }
}

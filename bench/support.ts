// What every benchmark shares: the report it returns to bench/run.ts, child processes measured on
// their own (time and peak RSS), and fresh databases.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createEmptyDatabase } from '../src/testing/harness.ts';

/** What a `bench/<name>.bench.ts` module's `run()` returns. */
export interface BenchReport {
  /** Figures, one per line, already formatted. */
  lines: string[];
  /** Each target the bench is held to; `npm run bench` fails when one is missed. */
  targets: Array<{ label: string; met: boolean }>;
}

export interface BenchModule {
  /** One line saying what is measured. */
  description?: string;
  /** Returns its figures and targets, or prints them itself and returns nothing. */
  run(): Promise<BenchReport | void>;
}

export const benchDir = new URL('.', import.meta.url).pathname;
export const projectDir = new URL('..', import.meta.url).pathname;

/** The PostgreSQL server to measure on, when one is configured. */
export const postgresAdminUrl = (): string | undefined => process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;

export interface FreshDatabase {
  kind: 'sqlite' | 'postgres';
  url: string;
  drop(): Promise<void>;
}

/** An empty database: a new SQLite file in a temporary folder, or a new PostgreSQL database on the admin URL's server. */
export async function freshDatabase(kind: 'sqlite' | 'postgres'): Promise<FreshDatabase> {
  if (kind === 'postgres' && !postgresAdminUrl()) throw new Error('no PostgreSQL configured: set BENCH_DATABASE_URL or TEST_DATABASE_URL');
  return { kind, ...await createEmptyDatabase(kind, postgresAdminUrl()) };
}

/** Measurements a child process prints as the last line of its stdout. */
export interface ChildResult {
  ms: number;
  count: number;
  /** Peak resident set size of the whole child process, from `process.resourceUsage().maxRSS`. */
  maxRssBytes: number;
}

/**
 * Runs `node --import tsx <script> …args` on its own, so its peak memory is its own and one side of a
 * comparison cannot warm or burden the other. The child prints its ChildResult as JSON on its last line.
 */
export function runChild(script: string, args: string[], env: Record<string, string> = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', join(benchDir, script), ...args], {
      cwd: projectDir, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${script} ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as ChildResult);
      } catch {
        reject(new Error(`${script} printed no result: ${stdout.slice(-500)}`));
      }
    });
  });
}

/** In a child: report the measurement and peak memory to the parent. */
export function reportToParent(result: Omit<ChildResult, 'maxRssBytes'>): void {
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ ...result, maxRssBytes } satisfies ChildResult));
}

export const formatCount = (n: number) => Math.round(n).toLocaleString('en');
export const formatSeconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const formatMb = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

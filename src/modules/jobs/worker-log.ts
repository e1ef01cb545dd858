// A small JSON-lines logger for `cloudpass worker`, shaped like the web server's (pino) lines.
import type { JobLog } from './job-worker.ts';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;

export function createWorkerLog(level: string, write: (line: string) => void = (line) => process.stdout.write(line)): JobLog {
  const threshold = LEVELS[level as keyof typeof LEVELS] ?? LEVELS.info;
  const at = (name: 'info' | 'warn' | 'error') => (obj: object, msg: string) => {
    if (LEVELS[name] < threshold) return;
    write(`${JSON.stringify({ level: LEVELS[name], time: Date.now(), pid: process.pid, ...serialize(obj), msg })}\n`);
  };
  return { info: at('info'), warn: at('warn'), error: at('error') };
}

function serialize(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...obj };
  const err = (obj as { err?: unknown }).err;
  if (err instanceof Error) out.err = { type: err.name, message: err.message, stack: err.stack };
  return out;
}

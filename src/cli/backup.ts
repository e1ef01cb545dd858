// `cloudpass backup` and `cloudpass restore`: SQLite copied online while serving, restored only over a
// database nobody has open; on PostgreSQL, the pg_dump and pg_restore commands to run instead.
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { backupSqlite, postgresBackupAdvice, postgresRestoreAdvice, restoreSqlite, sqlitePathOf } from '../db/backup.ts';

export function registerBackupCommands(program: Command) {
  program.command('backup').description('copy the SQLite database while cloudpass runs (PostgreSQL: prints the pg_dump command)')
    .requiredOption('--out <file>', 'the backup file to write (must not exist yet)')
    .action(async (options: { out: string }) => {
      const config = loadConfig();
      const path = sqlitePathOf(config.databaseUrl);
      if (!path) {
        console.log(postgresBackupAdvice(config.databaseUrl, options.out));
        process.exitCode = 3; // nothing was written: a script that expected a file must not carry on
        return;
      }
      const started = Date.now();
      const { pages, migrations } = await backupSqlite(path, options.out);
      console.log(`backed up ${path} to ${options.out}: ${pages} pages, ${migrations} migrations, in ${Date.now() - started} ms`);
    });

  program.command('restore').description('replace the SQLite database with a backup; refused while in use (PostgreSQL: prints the pg_restore command)')
    .argument('<file>', 'a file written by `cloudpass backup`')
    .option('--force', 'replace a database that holds data')
    .action(async (file: string, options: { force?: boolean }) => {
      const config = loadConfig();
      const path = sqlitePathOf(config.databaseUrl);
      if (!path) {
        console.log(postgresRestoreAdvice(config.databaseUrl, file));
        process.exitCode = 3;
        return;
      }
      const { replaced, applied } = await restoreSqlite(file, path, { force: options.force });
      console.log(`restored ${file} to ${path}${replaced ? ' (the data it held is replaced)' : ''}`);
      console.log(applied.length ? `migrations applied: ${applied.join(', ')}; the database is up to date` : 'migrations: the database is up to date');
    });
}

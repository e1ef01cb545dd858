import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Db } from './database.ts';
import * as initialSchema from './migrations/20261127T100000-initial-schema.ts';
import * as jobsFirstAttempt from './migrations/20261127T150000-jobs-first-attempt.ts';
import * as organizationSignIn from './migrations/20261128T090000-organization-sign-in.ts';
import * as redemptionsAccountCampaign from './migrations/20261129T090000-redemptions-account-campaign.ts';
import * as usageAndLifecycle from './migrations/20261202T180000-usage-and-lifecycle.ts';
import * as mailSealedSecrets from './migrations/20261202T190000-mail-sealed-secrets.ts';
import * as consoleIndexes from './migrations/20261202T190000-console-indexes.ts';
import * as recipients from './migrations/20261202T190000-recipients.ts';
import * as accountLocale from './migrations/20261202T190000-account-locale.ts';
import * as supportSignedOut from './migrations/20261203T090000-support-signed-out.ts';

// Listed here rather than read from the folder, so migrations load the same under tsx, tests and bundlers.
const migrations: Record<string, Migration> = {
  '20261127T100000-initial-schema': initialSchema,
  '20261127T150000-jobs-first-attempt': jobsFirstAttempt,
  '20261128T090000-organization-sign-in': organizationSignIn,
  '20261129T090000-redemptions-account-campaign': redemptionsAccountCampaign,
  '20261202T180000-usage-and-lifecycle': usageAndLifecycle,
  '20261202T190000-mail-sealed-secrets': mailSealedSecrets,
  '20261202T190000-console-indexes': consoleIndexes,
  '20261202T190000-recipients': recipients,
  '20261202T190000-account-locale': accountLocale,
  '20261203T090000-support-signed-out': supportSignedOut,
};

/** Every migration this version knows, in order. */
export const knownMigrations: readonly string[] = Object.keys(migrations);

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Db): Promise<string[]> {
  const result = await new Migrator({ db, provider }).migrateToLatest();
  return unwrap(result);
}

export async function pendingMigrations(db: Db): Promise<string[]> {
  const all = await new Migrator({ db, provider }).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

function unwrap({ error, results }: MigrationResultSet): string[] {
  if (error) throw error instanceof Error ? error : new Error(String(error)); // oxlint-disable-line typescript/no-base-to-string -- a migration may throw anything; its text is all we can report
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

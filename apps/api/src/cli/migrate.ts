import { applyMigrations } from '../prisma/migrator.js';
import { runDatabaseCommand } from './run.js';

runDatabaseCommand('db:migrate', async (database, logger) => {
  const applied = await applyMigrations(database.url);
  logger.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'The database is up to date');
});

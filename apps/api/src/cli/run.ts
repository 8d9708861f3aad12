import { ConsoleLogger } from '@nestjs/common';
import { ConfigError, loadDatabaseConfig } from '../config/config.js';
import { DatabaseUnavailableError, openDatabase, type OpenDatabase } from '../prisma/database.js';
import { MigrationError } from '../prisma/migrator.js';

/** Runs a database command against the configured database and exits with a clear message on failure. */
export function runDatabaseCommand(name: string, command: (database: OpenDatabase, logger: ConsoleLogger) => Promise<void>): void {
  const logger = new ConsoleLogger(name);
  const run = async () => {
    const database = await openDatabase(loadDatabaseConfig(process.env));
    try {
      await command(database, logger);
    } finally {
      await database.close();
    }
  };
  run().catch((error: unknown) => {
    const known = error instanceof ConfigError || error instanceof DatabaseUnavailableError || error instanceof MigrationError;
    logger.error(known ? error.message : error instanceof Error ? error.stack : String(error));
    process.exit(1);
  });
}

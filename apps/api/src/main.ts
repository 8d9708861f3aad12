import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { createApp, createLogger, RedisUnavailableError } from './app.factory.js';
import { ConfigError, loadConfig, nodeOptionsWarning } from './config/config.js';
import { DatabaseUnavailableError, openDatabase } from './prisma/database.js';
import { MigrationError, pendingMigrations } from './prisma/migrator.js';
import { DEMO_PASSWORD, demoUsers } from './cli/demo-data.js';
import { PrismaService } from './prisma/prisma.service.js';
import { Lifecycle } from './operations/lifecycle.js';

async function bootstrap(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = new Logger('Bootstrap');
  const warning = nodeOptionsWarning(process.env);
  if (warning) logger.warn(warning);
  const database = await openDatabase(config.database);
  const pending = await pendingMigrations(database.url);
  if (pending.length > 0) {
    await database.close();
    throw new MigrationError(`The database lacks ${pending.length} migration(s) (${pending.join(', ')}). Run \`pnpm db:migrate\`.`);
  }
  const app = await createApp({ config, databaseUrl: database.url, logger: createLogger(config) });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    // Not ready from now on: a load balancer stops sending new clients before the present ones are told to go.
    app.get(Lifecycle).startDraining();
    logger.log(`${signal} received; draining for ${config.shutdownDrainMs} ms, then shutting down`);
    // Bounded: a connection that will not close must not keep the process alive.
    setTimeout(() => process.exit(1), config.shutdownDrainMs + config.shutdownTimeoutMs).unref();
    await sleep(config.shutdownDrainMs);
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen(config.port, config.host);
  const url = await app.getUrl();
  logger.log(`Operate API listening on ${url.replace('[::1]', 'localhost')} (database: ${database.kind})`);
  if (config.env !== 'production') {
    const [owner] = demoUsers;
    const seeded = owner && (await app.get(PrismaService).user.count({ where: { email: owner.email } })) > 0;
    if (seeded)
      logger.log(`Demo login: ${owner.email} / ${DEMO_PASSWORD}  (POST ${url}/auth/login, then connect socket.io with auth.token)`);
  }
}

bootstrap().catch((error: unknown) => {
  const known =
    error instanceof ConfigError ||
    error instanceof DatabaseUnavailableError ||
    error instanceof MigrationError ||
    error instanceof RedisUnavailableError;
  new ConsoleLogger('Bootstrap').error(known ? error.message : error instanceof Error ? error.stack : String(error));
  process.exit(1);
});

// `pnpm docs:openapi`: writes docs/openapi.json from the built controllers and DTOs. With --check it writes
// nothing and fails when the committed document differs (verify runs it, as it does for the AsyncAPI one).
import 'reflect-metadata';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { loadConfig } from '../config/config.js';
import { apiVersion, buildOpenApi } from '../operations/openapi.js';

const target = new URL('../../../../docs/openapi.json', import.meta.url);
// The document comes from the routes' metadata alone: nothing is started, no setting is read from the environment.
const unused = 'x'.repeat(32);
const databaseUrl = 'postgresql://127.0.0.1/unused';
const config = loadConfig({ NODE_ENV: 'development', DATABASE_URL: databaseUrl, JWT_ACCESS_SECRET: unused, JWT_REFRESH_SECRET: unused });
const app = await NestFactory.create(AppModule.forRoot({ config, databaseUrl }), { preview: true, logger: false });
const document = await buildOpenApi(app, apiVersion());
const text = `${JSON.stringify(document, null, 2)}\n`;

if (process.argv.includes('--check')) {
  const committed = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (committed !== text) {
    process.stderr.write('docs/openapi.json is stale: run `pnpm docs:openapi` and commit it.\n');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  process.stdout.write(`Wrote docs/openapi.json (${Object.keys(document.paths).length} paths)\n`);
}

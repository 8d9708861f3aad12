#!/usr/bin/env node
// README command (1)'s last step: the API and the dashboard together, on loopback. Prints both URLs and the
// demo logins once both answer; Ctrl+C (or SIGTERM) stops both and exits when they have.
// With --dev (`pnpm dev`): the API through `nest start --watch` (nest-cli.json; a saved change restarts it in
// seconds) and the dashboard through `next dev` (hot reload), same ports and database. With --api
// (`pnpm start:api`): the API alone. In every mode a signal to the command that started it (npx, pnpm)
// reaches the servers, even when that command dies of it without passing it on (see launcher.mjs).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { watchLauncher } from './launcher.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Node's own .env parser (the API reads the same file with --env-file).
const env = parseEnv(readFileSync(join(root, '.env'), 'utf8'));
const apiUrl = `http://${env.HOST || '127.0.0.1'}:${env.PORT || '3000'}`;
const webPort = process.env.WEB_PORT ?? '3001';
const webUrl = `http://127.0.0.1:${webPort}`;

function run(name, args, cwd, extraEnv) {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk) =>
    chunk
      .toString()
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => `[${name}] ${line}\n`)
      .join('');
  child.stdout.on('data', (chunk) => process.stdout.write(prefix(chunk)));
  child.stderr.on('data', (chunk) => process.stderr.write(prefix(chunk)));
  return child;
}

const dev = process.argv.includes('--dev');
const apiOnly = process.argv.includes('--api');
const nest = join(root, 'node_modules/@nestjs/cli/bin/nest.js');
const api = dev
  ? // The CLI finds nest-cli.json in the root; it does not read .env, so the settings are passed on.
    run('api', [nest, 'start', 'api', '--watch', '--preserveWatchOutput', '--no-shell'], root, env)
  : run('api', ['--enable-source-maps', '--env-file=../../.env', 'dist/main.js'], join(root, 'apps/api'), {});
const web = apiOnly
  ? undefined
  : run('web', ['scripts/start.mjs', ...(dev ? ['--dev'] : [])], join(root, 'apps/web'), {
      WEB_PORT: webPort,
      OPERATE_API_URL: apiUrl,
    });
const children = web ? [api, web] : [api];
let stopping = false;

function stop(signal) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
}
process.once('SIGINT', () => stop('SIGTERM'));
process.once('SIGTERM', () => stop('SIGTERM'));
process.once('SIGHUP', () => stop('SIGTERM'));
watchLauncher(() => {
  process.stderr.write('The command that started Operate has ended; stopping.\n');
  stop('SIGTERM');
});
for (const child of children) {
  child.on('exit', (code) => {
    if (!stopping) {
      process.stderr.write(`A process stopped (exit ${code}); stopping the other.\n`);
      stop('SIGTERM');
    }
    if (children.every((each) => each.exitCode !== null || each.signalCode !== null))
      process.exit(stopping && code === 0 ? 0 : (code ?? 1));
  });
}

async function answers(url) {
  try {
    return (await fetch(url)).status < 500;
  } catch {
    return false;
  }
}

const deadline = Date.now() + 120_000;
while (!apiOnly && !stopping && !((await answers(`${apiUrl}/auth/me`)) && (await answers(`${webUrl}/login`)))) {
  if (Date.now() > deadline) {
    process.stderr.write('The API or the dashboard did not come up within 2 minutes.\n');
    stop('SIGTERM');
    break;
  }
  await new Promise((done) => setTimeout(done, 250));
}
if (!apiOnly && !stopping) {
  process.stdout.write(
    [
      '',
      `  Dashboard  ${webUrl}`,
      `  API        ${apiUrl}`,
      '  Demo logins (password operate-demo):',
      '    alice@acme.test (Acme owner)   bob@acme.test (Acme member, family, escrow buyer)',
      '    carol@globex.test (Globex owner, seller)   dave@globex.test (Globex member, escrow seller)',
      '    olivia@operate.test (platform operator: shop catalog)   arthur@operate.test (platform arbiter: disputes)',
      '  Ctrl+C stops both.',
      '',
    ].join('\n'),
  );
}

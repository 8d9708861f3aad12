// Starts the built dashboard on loopback: WEB_PORT (default 3001), the API at OPERATE_API_URL.
// With --dev, `next dev` instead (no build needed, hot reload).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const next = require.resolve('next/dist/bin/next');
const port = process.env.WEB_PORT ?? '3001';
const host = process.env.WEB_HOST ?? '127.0.0.1';
// The app's own directory, whatever the caller's working directory.
const appDir = fileURLToPath(new URL('..', import.meta.url));
const mode = process.argv.includes('--dev') ? 'dev' : 'start';
const child = spawn(process.execPath, [next, mode, appDir, '--hostname', host, '--port', port], {
  cwd: appDir,
  stdio: 'inherit',
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

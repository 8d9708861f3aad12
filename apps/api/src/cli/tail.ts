// `pnpm events:tail [email] [password] [url]`: logs in and prints every event the socket receives.
// A developer tool: it writes to stdout on purpose.
import type { ClientToServerEvents, EventEnvelope, ServerToClientEvents } from '@operate/shared';
import { io, type Socket } from 'socket.io-client';
import { DEMO_PASSWORD, demoUsers } from './demo-data.js';

const [email = demoUsers[0].email, password = DEMO_PASSWORD, url = 'http://127.0.0.1:3000'] = process.argv.slice(2);

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const response = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(`login as ${email} failed: ${response.status} ${await response.text()}`);
  const { accessToken } = (await response.json()) as { accessToken: string };
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { auth: { token: accessToken }, transports: ['websocket'] });
  socket.on('connect_error', (error) => print(`connect_error: ${error.message}`));
  socket.onAny((_event: string, envelope: EventEnvelope) => {
    print(`${envelope.occurredAt}  ${envelope.type.padEnd(22)} ${JSON.stringify(envelope.payload)}`);
  });
  print(`Listening as ${email} on ${url} (Ctrl+C to stop)`);
  process.once('SIGINT', () => {
    socket.close();
    process.exit(0);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

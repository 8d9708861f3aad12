import { rmSync } from 'node:fs';
import { dirname } from 'node:path';

export default async function globalTeardown() {
  const snapshot = process.env.OPERATE_TEST_PGLITE_SNAPSHOT;
  if (snapshot) rmSync(dirname(snapshot), { recursive: true, force: true });
}

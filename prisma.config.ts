// Prisma 7 CLI config. Only `prisma generate` runs here: migrations are committed SQL applied by our own
// runner (apps/api/src/prisma/migrator.ts) because the CLI cannot fetch its native engine on these machines.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
});

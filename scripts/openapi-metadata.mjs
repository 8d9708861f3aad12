// Part of `pnpm build`: reads the API's controllers and DTOs with @nestjs/swagger's plugin (the same reading
// `nest build` does with the plugin on) and writes apps/api/src/generated/openapi-metadata.ts, which the API
// loads to describe itself (`/docs/api`, docs/openapi.json). Generated like the Prisma client, never committed.
import { PluginMetadataGenerator } from '@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator.js';
import { rmSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
// The plugin ships with @nestjs/swagger, a dependency of the API (not of the workspace root).
import { ReadonlyVisitor } from '../apps/api/node_modules/@nestjs/swagger/dist/plugin/index.js';

const source = fileURLToPath(new URL('../apps/api/src', import.meta.url));

// The generator type-checks the project first, the previous output included: start without it.
rmSync(`${source}/generated/openapi-metadata.ts`, { force: true });

new PluginMetadataGenerator().generate({
  visitors: [
    new ReadonlyVisitor({
      pathToSource: `${source}/generated`,
      esmCompatible: true,
      introspectComments: true,
      classValidatorShim: true,
      dtoFileNameSuffix: ['.dto.ts', 'page-query.ts'],
      controllerFileNameSuffix: ['.controller.ts'],
    }),
  ],
  outputDir: `${source}/generated`,
  filename: 'openapi-metadata.ts',
  // Relative to the working directory, as the generator wants it.
  tsconfigPath: relative(process.cwd(), fileURLToPath(new URL('../apps/api/tsconfig.build.json', import.meta.url))),
  printDiagnostics: false,
});

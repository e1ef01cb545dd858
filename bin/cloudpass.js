#!/usr/bin/env node
// The `cloudpass` command: TypeScript sources run through tsx's loader, so there is no build step.
// The project's tsconfig is named explicitly so JSX compiles the same from any working directory.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli.ts');

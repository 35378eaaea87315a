#!/usr/bin/env node
// auth-admin: user administration of the auth-elements reference server (see server/README.md).
// The CLI is TypeScript (server/cli.ts); tsx compiles it on the fly.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../server/cli.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));

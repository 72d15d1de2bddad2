#!/usr/bin/env node
// The `capstan` command. Sources are TypeScript run through tsx, so `npx capstan …` works right
// after `npm ci` with no build step (docs/decisions/0004-typescript-run-through-tsx.md).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main/main.ts');
await main(process.argv);

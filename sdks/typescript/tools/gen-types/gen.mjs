#!/usr/bin/env node
// Generates the SDK's API types from the service's OpenAPI document:
//
//   docs/openapi.json  ->  sdks/typescript/src/generated/openapi.ts
//
//   npm run gen:types     (re)writes the committed file
//   npm run check:types   regenerates into a temporary file and fails when it
//                         differs from the committed one (test.sh runs it)
//
// openapi-typescript (pinned in this workspace's package.json) needs the
// compiler API of TypeScript 5, which the SDK's own TypeScript 7 no longer
// ships; this folder is an npm workspace so that both coexist in one
// package-lock.json.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const here = dirname(fileURLToPath(import.meta.url));
const sdk = join(here, '..', '..');
const repo = join(sdk, '..', '..');
const SPEC = join(repo, 'docs', 'openapi.json');
const OUT = join(sdk, 'src', 'generated', 'openapi.ts');
const check = process.argv.includes('--check');

const { version } = JSON.parse(readFileSync(join(here, 'node_modules', 'openapi-typescript', 'package.json'), 'utf8'));

async function generate() {
  const ast = await openapiTS(pathToFileURL(SPEC), { alphabetize: false });
  return (
    '/**\n' +
    ' * Generated from docs/openapi.json by openapi-typescript ' + version + ' (`npm run gen:types`).\n' +
    ' * Do not edit: change docs/openapi.json and regenerate. `npm run check:types`\n' +
    ' * (run by test.sh) fails when this file is out of date.\n' +
    ' */\n\n' +
    astToString(ast)
  );
}

const text = await generate();
if (!check) {
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, text);
  console.log(`wrote ${relative(sdk, OUT)} from ${relative(sdk, SPEC)}`);
  process.exit(0);
}

const tmp = mkdtempSync(join(tmpdir(), 'triggers-gen-types-'));
try {
  const fresh = join(tmp, 'openapi.ts');
  writeFileSync(fresh, text);
  let committed;
  try {
    committed = readFileSync(OUT, 'utf8');
  } catch {
    committed = undefined;
  }
  if (committed === readFileSync(fresh, 'utf8')) {
    console.log(`${relative(sdk, OUT)} matches ${relative(sdk, SPEC)}`);
    process.exit(0);
  }
  console.error(
    `error: ${relative(sdk, OUT)} is out of date with ${relative(sdk, SPEC)}` +
      (committed === undefined ? ' (it does not exist)' : '') +
      '.\nRun `npm run gen:types` in sdks/typescript and commit the result.',
  );
  if (committed !== undefined) {
    const a = committed.split('\n');
    const b = text.split('\n');
    const line = a.findIndex((l, i) => l !== b[i]);
    const at = line < 0 ? Math.min(a.length, b.length) : line;
    console.error(`first difference at line ${at + 1}:\n  committed: ${JSON.stringify(a[at])}\n  generated: ${JSON.stringify(b[at])}`);
  }
  process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

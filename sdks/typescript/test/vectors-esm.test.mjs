// Every vector through the ESM build (Node `import`), on both body-hashing
// paths: SHA-256 in WebAssembly, and node:crypto's digest handed to
// WebAssembly (the default from 512 bytes up).
import * as api from '@zapier/triggers-api-client';
import * as backend from '../dist/esm/backend.js';
import helpers from './helpers/vectors.cjs';

helpers.vectorSuite(api, 'esm, bodies hashed in WebAssembly', { backend, hashBodies: 'wasm' });
helpers.vectorSuite(api, 'esm, bodies hashed by node:crypto', { backend, hashBodies: 'platform' });

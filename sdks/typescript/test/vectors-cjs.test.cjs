'use strict';
// Every vector through the CommonJS build (Node `require`), on both
// body-hashing paths (see vectors-esm.test.mjs).
const api = require('@zapier/triggers-api-client');
const backend = require('../dist/cjs/backend.js');
const { vectorSuite } = require('./helpers/vectors.cjs');

vectorSuite(api, 'cjs, bodies hashed in WebAssembly', { backend, hashBodies: 'wasm' });
vectorSuite(api, 'cjs, bodies hashed by node:crypto', { backend, hashBodies: 'platform' });

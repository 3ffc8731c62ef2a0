'use strict';
// Every vector through the CommonJS build (Node `require`).
const api = require('@zapier/triggers-api-client');
const { vectorSuite } = require('./helpers/vectors.cjs');

vectorSuite(api, 'cjs');

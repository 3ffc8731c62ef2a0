// Every vector through the browser build (inlined WebAssembly, initSync),
// here in Node; test/browser.test.mjs runs it in Chromium.
import * as api from '../dist/esm/index.browser.js';
import helpers from './helpers/vectors.cjs';

helpers.vectorSuite(api, 'browser build (in Node)');

// Every vector through the ESM build (Node `import`).
import * as api from '@zapier/triggers-api-client';
import helpers from './helpers/vectors.cjs';

helpers.vectorSuite(api, 'esm');

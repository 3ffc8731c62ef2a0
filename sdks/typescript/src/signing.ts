/**
 * Request and webhook signing (Node build): `signRequest`, `verifyRequest`,
 * `signWebhook`, `verifyWebhook`, `canonicalString`, and `SignatureError`.
 * Import it as `@zapier/triggers-api-client/signing` or from the package root.
 */
import { setWasmLoader } from './backend.js';
import { loadWasm } from './wasm-node.js';

setWasmLoader(loadWasm);

export * from './signing-core.js';
export * from './errors.js';

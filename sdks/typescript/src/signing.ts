/**
 * Request and webhook signing (Node build): `signRequest`, `verifyRequest`,
 * `signWebhook`, `verifyWebhook`, `canonicalString`, and `SignatureError`.
 * Import it as `@zapier/triggers-api-client/signing` or from the package root.
 */
import { createHash } from 'node:crypto';
import { setBodyHasher, setWasmLoader } from './backend.js';
import { loadWasm } from './wasm-node.js';

setWasmLoader(loadWasm);
// SHA-256 of request bodies of 512 bytes and more through node:crypto
// (OpenSSL, with the CPU's SHA instructions): WebAssembly has no SHA
// instructions, and from about 256 bytes up (measured, bench/sign.mjs)
// handing the 32-byte digest to the WebAssembly core is faster than hashing
// there. Canonicalization and the HMAC stay in Rust.
setBodyHasher((bytes) => createHash('sha256').update(bytes).digest(), 512);

export * from './signing-core.js';
export * from './errors.js';

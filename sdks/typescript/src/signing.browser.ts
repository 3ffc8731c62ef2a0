/**
 * Request and webhook signing (browser build): the same API as the Node
 * build, with the WebAssembly module inlined. Bundlers pick this file through
 * the `browser` export condition.
 */
import { setWasmLoader } from './backend.js';
import { loadWasm } from './wasm-browser.js';

setWasmLoader(loadWasm);

export * from './signing-core.js';
export * from './errors.js';

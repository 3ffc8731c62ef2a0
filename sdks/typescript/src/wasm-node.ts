/**
 * Node loader: wasm-bindgen's `--target nodejs` glue (CommonJS), which reads
 * `triggers_wasm_bg.wasm` next to it and compiles it synchronously when the
 * package is imported (about a millisecond). Both the ESM and the CommonJS
 * build import this one CommonJS file, so a process that loads both builds
 * still holds one WebAssembly instance.
 */
import * as glue from '../wasm/node/triggers_wasm.js';
import type { WasmSigning } from './backend.js';

export function loadWasm(): WasmSigning {
  return glue;
}

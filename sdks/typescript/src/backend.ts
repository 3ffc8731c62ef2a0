/**
 * The WebAssembly exports of `bindings/wasm` (crate `triggers-wasm`), as the
 * signing functions see them, and the loader each platform entry point
 * registers (`wasm-node.ts`, `wasm-browser.ts`).
 *
 * Conventions of the exports: Unix times are `bigint` (u64), bodies
 * `Uint8Array`, absent headers `undefined`; failures throw an `Error` whose
 * `code` is the spec's error code.
 *
 * @internal
 */
export interface WasmSigning {
  signRequest(secret: string, method: string, target: string, timestamp: bigint, body: Uint8Array): string;
  canonicalString(method: string, target: string, timestamp: bigint, body: Uint8Array): string;
  verifyRequest(
    secrets: unknown[],
    method: string,
    target: string,
    body: Uint8Array,
    timestamp: string | undefined,
    signature: string | undefined,
    version: string | undefined,
    now: bigint,
    tolerance: bigint,
  ): number;
  signWebhook(secrets: unknown[], id: string, timestamp: bigint, body: Uint8Array): string;
  verifyWebhook(
    secrets: unknown[],
    id: string | undefined,
    timestamp: string | undefined,
    signature: string | undefined,
    body: Uint8Array,
    now: bigint,
    tolerance: bigint,
  ): bigint;
}

let loader: (() => WasmSigning) | undefined;
let instance: WasmSigning | undefined;

/** Registers how to load the WebAssembly module (once per entry point). @internal */
export function setWasmLoader(load: () => WasmSigning): void {
  loader = load;
  instance = undefined;
}

/** The loaded exports; the module is instantiated on first use. @internal */
export function wasm(): WasmSigning {
  if (instance === undefined) {
    if (loader === undefined) {
      throw new Error('@zapier/triggers-api-client: no WebAssembly loader registered (import the package entry point)');
    }
    instance = loader();
  }
  return instance;
}

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
  /** `signRequest` for a body hashed by the caller (`bodyHash`: its 32-byte SHA-256 digest). */
  signRequestHashed(secret: string, method: string, target: string, timestamp: bigint, bodyHash: Uint8Array): string;
  /** `verifyRequest` for a body hashed by the caller. */
  verifyRequestHashed(
    secrets: unknown[],
    method: string,
    target: string,
    bodyHash: Uint8Array,
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

/** A platform SHA-256 (Node: `node:crypto`, which uses the CPU's SHA instructions). @internal */
export type Sha256 = (bytes: Uint8Array) => Uint8Array;

let sha256: Sha256 | undefined;
let hashFrom = Number.POSITIVE_INFINITY;

/**
 * Registers a faster SHA-256 for request bodies of at least `minBytes`
 * (the Node entry point does; the browser build keeps hashing in
 * WebAssembly). Canonicalization and the HMAC stay in the WebAssembly core
 * either way, so signatures are identical. @internal
 */
export function setBodyHasher(hash: Sha256 | undefined, minBytes: number): void {
  sha256 = hash;
  hashFrom = minBytes;
}

/**
 * Changes the size from which bodies are hashed by the registered SHA-256
 * (`0`: always, `Infinity`: never); returns the previous value. For tests
 * and benchmarks. @internal
 */
export function setBodyHashThreshold(minBytes: number): number {
  const previous = hashFrom;
  hashFrom = minBytes;
  return previous;
}

/** The body's SHA-256 digest when the platform hasher should compute it, else `undefined` (WebAssembly hashes it). @internal */
export function platformBodyHash(body: Uint8Array): Uint8Array | undefined {
  return sha256 !== undefined && body.length >= hashFrom ? sha256(body) : undefined;
}

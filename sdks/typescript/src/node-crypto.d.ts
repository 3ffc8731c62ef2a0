// The part of `node:crypto` the Node entry point uses (the package compiles
// without @types/node, so that browser code cannot use Node APIs by mistake).
declare module 'node:crypto' {
  interface Hash {
    update(data: Uint8Array): Hash;
    digest(): Uint8Array;
  }
  export function createHash(algorithm: 'sha256'): Hash;
}

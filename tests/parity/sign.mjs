// The TypeScript side of the parity test: the built npm package
// (sdks/typescript/dist, Node ESM entry, WebAssembly signer) signs every case.
//   node tests/parity/sign.mjs cases.json
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../../sdks/typescript/dist/esm/index.js', import.meta.url);
const { signRequest, signWebhook, SignatureError } = await import(fileURLToPath(dist));

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
// Timestamps beyond 2^53 travel as text in JSON parsers that keep them exact;
// JSON.parse rounds them, so read them again from the raw text as BigInt.
const rawTimestamps = [...readFileSync(process.argv[2], 'utf8').matchAll(/"timestamp": ?(\d+)/g)].map((m) => BigInt(m[1]));
if (rawTimestamps.length !== cases.requests.length + cases.webhooks.length) {
  throw new Error('could not read every timestamp exactly');
}
let t = 0;
const outcome = (f) => {
  try {
    return f();
  } catch (e) {
    if (e instanceof SignatureError) return `error:${e.code}`;
    throw e;
  }
};
const body = (b64) => new Uint8Array(Buffer.from(b64, 'base64'));
const requests = cases.requests.map((c) => {
  const timestamp = rawTimestamps[t++];
  return outcome(() => signRequest({ secret: c.secret, method: c.method, target: c.target, body: body(c.body), timestamp }).signature);
});
const webhooks = cases.webhooks.map((c) => {
  const timestamp = rawTimestamps[t++];
  return outcome(() => signWebhook({ secret: c.secrets, id: c.msg_id, body: body(c.body), timestamp }).signature);
});
process.stdout.write(JSON.stringify({ requests, webhooks }) + '\n');

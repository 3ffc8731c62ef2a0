// Shared by the live tests (run through ../../scripts/with-service.sh, which
// starts a throwaway triggers-service on 127.0.0.1 and exports its address
// and bootstrap admin key): the environment, loopback webhook receivers, and
// polling.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';

/** The service started by scripts/with-service.sh. */
export function serviceEnv() {
  const names = [
    'TRIGGERS_TEST_BASE_URL',
    'TRIGGERS_TEST_ADMIN_KEY',
    'TRIGGERS_TEST_KEY_ID',
    'TRIGGERS_TEST_SIGNING_SECRET',
    'TRIGGERS_TEST_SERVICE_BIN',
    'TRIGGERS_TEST_DATA_DIR',
  ];
  const missing = names.filter((n) => !process.env[n]);
  assert.deepEqual(missing, [], 'run the live tests through scripts/with-service.sh (npm run test:live)');
  const url = new URL(process.env.TRIGGERS_TEST_BASE_URL);
  assert.ok(['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname), 'tests only talk to loopback');
  return {
    baseUrl: process.env.TRIGGERS_TEST_BASE_URL,
    adminKey: process.env.TRIGGERS_TEST_ADMIN_KEY,
    keyId: process.env.TRIGGERS_TEST_KEY_ID,
    signingSecret: process.env.TRIGGERS_TEST_SIGNING_SECRET,
    serviceBin: process.env.TRIGGERS_TEST_SERVICE_BIN,
    dataDir: process.env.TRIGGERS_TEST_DATA_DIR,
  };
}

/** An admin key of another account (`keys create --account`), to check isolation. */
export function otherAccountKey(env, account = 'acct_other') {
  const out = execFileSync(
    env.serviceBin,
    ['keys', 'create', '--name', `sdk-ts-${account}`, '--account', account, '--admin', '--data-dir', env.dataDir],
    { encoding: 'utf8' },
  );
  const apiKey = out.match(/trgk_[A-Za-z0-9]+/)?.[0];
  assert.ok(apiKey, 'keys create printed an api key');
  return apiKey;
}

/**
 * A webhook receiver on 127.0.0.1: records every request (method, url,
 * headers, raw body) and answers `status` (changeable).
 */
export async function startReceiver() {
  const receiver = {
    status: 200,
    requests: [],
    url: '',
    server: undefined,
    close: () => new Promise((resolve) => receiver.server.close(resolve)),
  };
  receiver.server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      receiver.requests.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(receiver.status, { 'content-type': 'text/plain' }).end(receiver.status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${receiver.server.address().port}/hook`;
  return receiver;
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `probe` until it returns a truthy value; fails after `seconds`. */
export async function waitFor(what, probe, seconds = 30) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A unique name for this run, so tests never see each other's data. */
export function unique(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

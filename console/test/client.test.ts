import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, NetworkError } from '../src/api/client';
import { service } from './live';

/** A loopback server answering each request with `handler`; records what it got. */
async function server(handler: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void) {
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const s = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, seen, close: () => new Promise<void>((r) => s.close(() => r())) };
}

describe('ApiClient against the service', () => {
  it('reads the error envelope: code, message, request id; 401 reaches onUnauthorized', async () => {
    const { baseUrl } = service();
    const onUnauthorized = vi.fn();
    const client = new ApiClient({ baseUrl, apiKey: 'trgk_not_a_real_key', onUnauthorized });
    const err = await client.listWebhooks({ limit: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(401);
    expect(e.code).toBe('invalid_api_key');
    expect(e.message.length).toBeGreaterThan(0);
    expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(onUnauthorized.mock.calls[0]?.[0]).toBe(e);
  });

  it('a 404 is an ApiError without onUnauthorized', async () => {
    const { baseUrl, adminKey } = service();
    const onUnauthorized = vi.fn();
    const client = new ApiClient({ baseUrl, apiKey: adminKey, onUnauthorized });
    const e = (await client.getWebhook('00000000-0000-4000-8000-000000000000').catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code]).toEqual([404, 'webhook_not_found']);
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('never shows the key', () => {
    const client = new ApiClient({ baseUrl: 'http://127.0.0.1:1', apiKey: 'trgk_secret_value' });
    expect(String(client)).not.toContain('trgk_secret_value');
    expect(JSON.stringify(client)).not.toContain('trgk_secret_value');
    expect(JSON.stringify({ ...client })).not.toContain('trgk_secret_value');
  });
});

describe('ApiClient on the wire', () => {
  let srv: Awaited<ReturnType<typeof server>>;
  beforeAll(async () => {
    srv = await server((req, _body, res) => {
      if (req.url?.startsWith('/v1/webhooks/gone')) {
        res.writeHead(204).end();
      } else if (req.url?.startsWith('/v1/dead-letters')) {
        res.writeHead(502, 'Bad Gateway', { 'Content-Type': 'text/html', 'X-Request-Id': 'proxy-1' });
        res.end('<html><body>bad gateway</body></html>');
      } else if (req.url?.startsWith('/v1/events')) {
        res.writeHead(201, { 'Content-Type': 'application/json' }).end('{not json');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ webhooks: [], next_cursor: null }));
      }
    });
  });
  afterAll(() => srv.close());

  it('sends the key as a bearer token, JSON bodies, and the query encoded', async () => {
    const client = new ApiClient({ baseUrl: `${srv.base}/`, apiKey: 'trgk_abc' });
    await client.listWebhooks({ limit: 5, cursor: 'a+b/c=' });
    await client.updateWebhook('id with/slash', { is_active: false });
    const [list, put] = srv.seen.slice(-2);
    expect(list?.method).toBe('GET');
    expect(list?.url).toBe('/v1/webhooks?limit=5&cursor=a%2Bb%2Fc%3D');
    expect(list?.headers.authorization).toBe('Bearer trgk_abc');
    expect(put?.method).toBe('PUT');
    expect(put?.url).toBe('/v1/webhooks/id%20with%2Fslash');
    expect(put?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(put?.body ?? '')).toEqual({ is_active: false });
  });

  it('204 is undefined', async () => {
    const client = new ApiClient({ baseUrl: srv.base, apiKey: 'k' });
    await expect(client.deleteWebhook('gone')).resolves.toBeUndefined();
  });

  it('a non-JSON error (a proxy page) is http_<status> with the header request id', async () => {
    const client = new ApiClient({ baseUrl: srv.base, apiKey: 'k' });
    const e = (await client.listDeadLetters().catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('http_502');
    expect(e.message).toBe('HTTP 502 Bad Gateway');
    expect(e.requestId).toBe('proxy-1');
  });

  it('a success with invalid JSON is invalid_response', async () => {
    const client = new ApiClient({ baseUrl: srv.base, apiKey: 'k' });
    const e = (await client.createEvent({ source: 's', event_type: 't', payload: {} }).catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('invalid_response');
  });

  it('no server at all is a NetworkError', async () => {
    const closed = await server(() => {});
    await closed.close();
    const client = new ApiClient({ baseUrl: closed.base, apiKey: 'k' });
    await expect(client.listWebhooks()).rejects.toBeInstanceOf(NetworkError);
  });
});

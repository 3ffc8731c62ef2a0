-- wrk script: sustained POST /v1/events with a fresh payload per request.
-- The API key comes from the environment (TRIGGERS_API_KEY).
local key = os.getenv("TRIGGERS_API_KEY")
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  n = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

function request()
  n = n + 1
  local body = string.format(
    '{"source":"load","event_type":"order.created","payload":{"order_id":%d,"thread":%d,"sku":"A-%d","qty":%d}}',
    n, id, n % 97, n % 5 + 1)
  return wrk.format(nil, "/v1/events", nil, body)
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("RESULT requests=%d duration_us=%d rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d connect_err=%d read_err=%d timeouts=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, non2xx, summary.errors.connect, summary.errors.read, summary.errors.timeout))
end

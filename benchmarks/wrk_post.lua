-- wrk script for the harness: POST a chat-completion body, print exact percentiles as JSON.
--   BENCH_BODY_FILE  path of the request body (JSON)
--   BENCH_HEADERS    extra headers, one "Name: value" per line (e.g. Authorization for jwt systems)
-- The done() hook prints one "BENCH_JSON {...}" line; benchmarks/stats.py parses it.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local body_file = os.getenv("BENCH_BODY_FILE")
if body_file then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end

local extra = os.getenv("BENCH_HEADERS")
if extra then
  for line in extra:gmatch("[^\n]+") do
    local name, value = line:match("^%s*([^:]+):%s*(.-)%s*$")
    if name then
      wrk.headers[name] = value
    end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
      .. '"max_us":%d,"non_2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end

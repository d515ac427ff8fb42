-- Drives wrk from a plan file: one request per line, "METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY".
-- Thread t of n takes lines t, t+n, t+2n, ... and cycles through them, so the requests in
-- flight at any moment carry as many different tokens (accounts) as there are connections.
-- At the end one line "WRKJSON {...}" carries the summary the runner parses.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

local requests_ = {}
local position = 0

function init(args)
  local path, count = args[1], tonumber(args[2])
  local line_no = 0
  for line in io.lines(path) do
    line_no = line_no + 1
    if (line_no - index) % count == 0 then
      local method, target, token, body = line:match("^(%u+)\t([^\t]+)\t([^\t]*)\t?(.*)$")
      local headers = {}
      if token ~= "" then headers["Authorization"] = "Bearer " .. token end
      if body ~= "" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      else
        body = nil
      end
      table.insert(requests_, wrk.format(method, target, headers, body))
    end
  end
  if #requests_ == 0 then
    table.insert(requests_, wrk.format("GET", "/health"))
  end
end

function request()
  position = position % #requests_ + 1
  return requests_[position]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end

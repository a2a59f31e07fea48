-- wrk script shared by every bench scenario; the harness configures it through the environment
-- (wrk passes no arguments to scripts on a per-scenario basis that survive into every thread):
--   BENCH_METHOD      GET, HEAD, PROPFIND ... (default GET)
--   BENCH_HEADERS     extra headers, one "Name: value" per line
--   BENCH_BODY_FILE   request body read from this file (PROPFIND XML)
--   BENCH_RANGE_SIZE  when set, every request asks for a random range of this many bytes ...
--   BENCH_FILE_SIZE   ... inside a file of this size
-- done() prints one machine-readable line, "WRKJSON {...}", that the harness parses.

local method = os.getenv("BENCH_METHOD") or "GET"
local range_size = tonumber(os.getenv("BENCH_RANGE_SIZE") or "0")
local file_size = tonumber(os.getenv("BENCH_FILE_SIZE") or "0")

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

wrk.method = method
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end
local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  wrk.body = read_file(body_file)
  wrk.headers["Content-Type"] = "application/xml; charset=utf-8"
end

if range_size > 0 then
  -- Fixed seed per thread: runs are repeatable, and each thread walks its own sequence.
  local counter = 0
  function setup(thread)
    counter = counter + 1
    thread:set("seed", counter)
  end
  function init(args)
    math.randomseed(1000 + (seed or 0))
  end
  function request()
    local first = math.random(0, file_size - range_size)
    wrk.headers["Range"] = string.format("bytes=%d-%d", first, first + range_size - 1)
    return wrk.format()
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"err_connect":%d,"err_read":%d,"err_write":%d,' ..
    '"err_status":%d,"err_timeout":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end

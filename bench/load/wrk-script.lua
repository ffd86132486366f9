-- The wrk side of bench/lib/load.ts: builds each request like bench/load/autocannon-worker.ts
-- (a random value from BENCH_ROTATE_FILE per request, when set), counts non-2xx responses, and
-- prints the summary as one JSON line for the parent to parse. Run with -t1.

local method = os.getenv("BENCH_METHOD")
local path = os.getenv("BENCH_PATH")
local body = os.getenv("BENCH_BODY")
local rotate_file = os.getenv("BENCH_ROTATE_FILE")
local rotate_into = os.getenv("BENCH_ROTATE_INTO")
local rotate_template = os.getenv("BENCH_ROTATE_TEMPLATE")
local unique_template = os.getenv("BENCH_UNIQUE_TEMPLATE")

local headers = {}
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = string.match(line, "^([^:]+): (.*)$")
  if name then headers[name] = value end
end
if body == "" then body = nil end

-- The values live in one string, their line bounds in C arrays (LuaJIT's FFI): a Lua table of a
-- million strings made every garbage-collection cycle walk them, and those pauses (~30 ms with a
-- million tokens, seen against a bare koa app) landed in the measured latencies of exactly the
-- scenarios that compare small and large sets.
local ffi = require("ffi")
local blob, first, last
local count = 0
local fixed = nil

local function load_values(file_name)
  local file = assert(io.open(file_name, "rb"))
  blob = file:read("*a")
  file:close()
  local lines = 1
  for _ in string.gmatch(blob, "\n") do lines = lines + 1 end
  first = ffi.new("uint32_t[?]", lines)
  last = ffi.new("uint32_t[?]", lines)
  local at = 1
  while at <= #blob do
    local newline = string.find(blob, "\n", at, true) or (#blob + 1)
    if newline > at then
      first[count] = at
      last[count] = newline - 1
      count = count + 1
    end
    at = newline + 1
  end
end

local function pick()
  local index = math.random(count) - 1
  return string.sub(blob, first[index], last[index])
end

local unique_prefix = nil
local unique_counter = 0

function init(args)
  math.randomseed(os.time())
  -- wrk runs a warm-up and a measured window as two processes within seconds: a clock-seeded
  -- prefix alone could repeat, so the address of a fresh table (per process) goes in as well.
  unique_prefix = string.format("%x-%s", os.time(), string.match(tostring({}), "0x(%x+)") or math.random(1e9))
  if rotate_file then
    load_values(rotate_file)
  elseif not unique_template then
    fixed = wrk.format(method, path, headers, body)
  end
end

-- string.gsub would treat "%" in a token as a capture reference: splice by position instead.
local function fill(template, value)
  local at = string.find(template, "{}", 1, true)
  return string.sub(template, 1, at - 1) .. value .. string.sub(template, at + 2)
end

function request()
  if fixed then return fixed end
  if unique_template then
    unique_counter = unique_counter + 1
    return wrk.format(method, path, headers, fill(unique_template, unique_prefix .. "-" .. unique_counter))
  end
  local value = fill(rotate_template, pick())
  if rotate_into == "body" then
    return wrk.format(method, path, headers, value)
  end
  headers["authorization"] = value
  return wrk.format(method, path, headers, body)
end

non2xx = 0

function response(status, _headers, _body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, _requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local ms = function(us) return us / 1000 end
  io.write(string.format(
    '{"type":"result","loader":"wrk","requests":%d,"durationSeconds":%.3f,"requestsPerSecond":%.3f,'
      .. '"latencyMs":{"p50":%.3f,"p90":%.3f,"p99":%.3f,"p999":%.3f,"max":%.3f},'
      .. '"statusCounts":{},"non2xx":%d,"socketErrors":%d,"timeouts":%d,"loaderCpuShare":-1}\n',
    summary.requests, seconds, summary.requests / seconds,
    ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(99)),
    ms(latency:percentile(99.9)), ms(latency.max),
    bad, e.connect + e.read + e.write + e.timeout, e.timeout))
end

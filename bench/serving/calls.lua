-- wrk script: send the calls listed in a file, and report as one JSON line.
--
--   wrk ... -s calls.lua URL -- CALLS_FILE THREADS BEARER WA_PREFIX
--
-- CALLS_FILE has one call a line: METHOD <tab> PATH [<tab> JSON BODY]. Each
-- wrk thread takes its own slice of the lines and goes round it, so a call
-- that may be made once (approving a join request) is made once per round.
-- In a body, {wa_id} becomes a phone number no other request of the run uses:
-- WA_PREFIX, the thread's number and a counter. BEARER "-" sends no token.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local calls = {}
local position = 1
local made = 0
local prefix = ""

function init(args)
  local lines = {}
  for line in io.lines(args[1]) do
    table.insert(lines, line)
  end
  local count = tonumber(args[2])
  local share = math.max(1, math.floor(#lines / count))
  local first = (id % count) * share + 1
  local last = math.min(#lines, first + share - 1)
  if first > #lines then
    first, last = 1, #lines
  end
  local headers = { ["Content-Type"] = "application/json" }
  if args[3] ~= "-" then
    headers["Authorization"] = "Bearer " .. args[3]
  end
  prefix = args[4] .. string.format("%02d", id % 100)
  for n = first, last do
    local method, path, body = lines[n]:match("^(%u+)\t([^\t]+)\t?(.*)$")
    if body == "" then
      body = nil
    end
    if body and body:find("{wa_id}", 1, true) then
      -- made anew for each request, with its own phone number
      table.insert(calls, { method = method, path = path, body = body, headers = headers })
    else
      table.insert(calls, wrk.format(method, path, headers, body))
    end
  end
end

function request()
  local call = calls[position]
  position = position % #calls + 1
  if type(call) == "string" then
    return call
  end
  made = made + 1
  local body = call.body:gsub("{wa_id}", prefix .. string.format("%06d", made), 1)
  return wrk.format(call.method, call.path, call.headers, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"status_errors":%d,"socket_errors":%d}\n',
    summary.requests,
    summary.duration,
    latency:percentile(50),
    latency:percentile(99),
    latency.max,
    errors.status,
    errors.connect + errors.read + errors.write + errors.timeout
  ))
end

-- wrk script for Synapse: each request as its own user, and each user's call once.
--
--   wrk ... -s synapse.lua URL -- LINES_FILE THREADS
--
-- LINES_FILE has one call a line: METHOD <tab> PATH <tab> ACCESS TOKEN <tab> JSON BODY
-- (a user joining a room, say). Each wrk thread takes its own slice of the lines and
-- goes through it once; past its end it starts over, and those requests are counted
-- as "repeated" in the JSON line reported (a join of someone already in the room
-- costs Synapse less, so a figure with repeats is too kind to it).

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local calls = {}
local position = 1
repeated = 0

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
  for n = first, last do
    local method, path, token, body = lines[n]:match("^(%u+)\t([^\t]+)\t([^\t]+)\t(.*)$")
    local headers = {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. token,
    }
    table.insert(calls, wrk.format(method, path, headers, body))
  end
end

function request()
  local call = calls[position]
  position = position + 1
  if position > #calls then
    position = 1
  end
  if made_all then
    repeated = repeated + 1
  end
  if position == 1 then
    made_all = true
  end
  return call
end

function done(summary, latency, requests)
  local errors = summary.errors
  local again = 0
  for _, thread in ipairs(threads) do
    again = again + (thread:get("repeated") or 0)
  end
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"status_errors":%d,"socket_errors":%d,"repeated":%d}\n',
    summary.requests,
    summary.duration,
    latency:percentile(50),
    latency:percentile(99),
    latency.max,
    errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    again
  ))
end

-- wrk script: each request GETs PREFIX .. item, the item drawn at random from a list file.
--   wrk -s bench/load/targets.lua http://127.0.0.1:18089 -- PREFIX LIST [POOL]
-- POOL > 0 keeps only the first POOL items (a warm, cached working set); 0 uses every item
-- (mostly cache misses on a large list); -1 walks the list in order, each thread its own
-- share of it, and stops when the list is done, so no item is asked twice (every request a
-- miss once the cache generation has been bumped). The 5th argument is wrk's thread count.
local items = {}
local prefix = ""
local walk, pos, stride = false, 0, 1
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("seed", math.random(1, 2^30))
  thread:set("id", threads)
end

function init(args)
  prefix = args[1]
  local pool = tonumber(args[3] or "0")
  for line in io.lines(args[2]) do
    if line ~= "" then
      items[#items + 1] = line
      if pool > 0 and #items >= pool then break end
    end
  end
  math.randomseed((seed or 1) + os.time())
  if pool < 0 then
    walk, pos, stride = true, (id or 1) - 1, tonumber(args[4] or "1")
    -- Defined only when walking, so the other modes do not pay for a response callback:
    -- a thread stops once its share of the list is asked, so nothing is asked twice.
    response = function()
      if pos >= #items then wrk.thread:stop() end
    end
  end
end

function request()
  if walk then
    local item = items[(pos % #items) + 1]
    pos = pos + stride
    return wrk.format("GET", prefix .. item)
  end
  return wrk.format("GET", prefix .. items[math.random(1, #items)])
end

-- summary.errors.status counts non-2xx/3xx answers, so a run of errors is not mistaken for speed.
function done(summary, latency, requests)
  io.write(string.format("RESULT reqs=%d rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end

-- wrk: GET /employees?q=... rotating over name prefixes of every kind (last name, first name,
-- "first last", email), as people type them into the directory.
local prefixes = { "fac", "geo", "sim", "mar", "ba", "georgi%20f", "kyoichi.m", "peha", "zie", "tz" }
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/employees?q=" .. prefixes[(counter % #prefixes) + 1])
end
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

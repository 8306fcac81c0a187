-- wrk: one employee's searches in a loop, rotating over the paths in ATTACK_PATHS (separated by
-- spaces): issue 23's shapes that walked the whole name index, or filters that rarely meet.
local paths = {}
for path in string.gmatch(os.getenv("ATTACK_PATHS") or "/employees", "%S+") do
  paths[#paths + 1] = path
end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

-- wrk: POST /token with correct credentials, rotating over eight seeded (current) employees: a
-- burst of logins by different people, as the service meets it.
local accounts = {
  "behai_nguyen@hotmail.com", "pranav.furedi.10198@gmail.com", "georgi.swan.500001@gmail.com",
  "bezalel.waschkowski.500002@gmail.com", "parto.zielinski.500003@gmail.com",
  "chirstian.berztiss.500004@gmail.com", "kyoichi.cappelletti.500005@gmail.com",
  "anneke.portugali.500006@gmail.com",
}
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
  counter = counter + 1
  local email = accounts[(counter % #accounts) + 1]:gsub("@", "%%40")
  return wrk.format(nil, nil, nil, "username=" .. email .. "&password=password")
end
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

-- wrk: POST /token with correct credentials, every request for one account: eight parallel
-- logins of one person (several devices, a script), which the failed-login budget must not
-- serialise.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "username=behai_nguyen%40hotmail.com&password=password"
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

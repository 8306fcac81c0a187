-- wrk: POST /token with a seeded account's correct credentials.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "username=behai_nguyen%40hotmail.com&password=password"
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

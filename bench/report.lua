-- wrk: print one JSON line with requests/s, mean, p50, p99 (ms) and non-2xx counts at the end.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"rps": %.1f, "mean_ms": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, "requests": %d, "non_2xx": %d, "errors": %d}\n',
    summary.requests / seconds, latency.mean / 1000, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end

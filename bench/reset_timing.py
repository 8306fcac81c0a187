#!/usr/bin/env python3
"""POST /password-reset for an active employee's email and for an unknown one, alternating, and
the time each answer took: the request must cost the same whether or not the email names an
employee (the contract's "same answer, same cost"). Run against a service whose reset limits are
raised out of the way (PASSWORD_RESET_PER_EMAIL_PER_HOUR, PASSWORD_RESET_PER_ADDRESS_PER_HOUR):

    bench/reset_timing.py http://127.0.0.1:8321 400
"""
import http.client
import json
import statistics
import sys
import time
import urllib.parse

base = urllib.parse.urlparse(sys.argv[1])
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 400
known, unknown = "behai_nguyen@hotmail.com", "nobody@example.com"
conn = http.client.HTTPConnection(base.hostname, base.port, timeout=10)


def once(email):
    body = json.dumps({"email": email})
    start = time.perf_counter()
    conn.request("POST", "/password-reset", body, {"Content-Type": "application/json"})
    reply = conn.getresponse()
    text = reply.read()
    took = time.perf_counter() - start
    return reply.status, text, took


times = {"known": [], "unknown": []}
answers = set()
for i in range(rounds):
    pair = [("known", known), ("unknown", unknown)]
    # Each goes first in half the rounds: what follows a known email's request (the sender
    # waking for its message) must not weigh on one side only.
    for kind, email in (pair if i % 2 == 0 else pair[::-1]):
        status, text, took = once(email)
        answers.add((status, text))
        times[kind].append(took * 1000)
assert len(answers) == 1, f"the answers differ: {answers}"
status, text = answers.pop()
print(f"{rounds} rounds, every answer {status} {text.decode()}")
for kind, values in times.items():
    values.sort()
    print(f"{kind:8} median {statistics.median(values):.2f} ms  p90 {values[int(len(values) * 0.9)]:.2f} ms"
          f"  mean {statistics.fmean(values):.2f} ms")
ratio = statistics.median(times["known"]) / statistics.median(times["unknown"])
print(f"median known / unknown: {ratio:.2f}")

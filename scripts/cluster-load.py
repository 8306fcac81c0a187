#!/usr/bin/env python3
"""Steady load on two service instances for scripts/cluster-test, with a kill -9 of a database
node and its restart in the middle; then the checks. Standard library only.

Usage: cluster-load.py BASE_A BASE_B KILL_CMD RESTART_CMD NODE_PORTS REPORT_JSON BASE_C

A and B write (both through HAProxy's single writer); C, on another node, only reads: every
session is read on C right after its login through A or B, and every logout is checked there.
"""
import base64
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

BASE_A, BASE_B, KILL_CMD, RESTART_CMD, NODE_PORTS, REPORT, BASE_C = sys.argv[1:8]
NODES = [int(p) for p in NODE_PORTS.split(",")]
WARMUP, AFTER_KILL, AFTER_RESTART = 6.0, 20.0, 10.0
ACCOUNTS = ["behai_nguyen@hotmail.com", "pranav.furedi.10198@gmail.com",
            "prasadram.hartvigsen.500025@gmail.com"]
HR = "behai_nguyen@hotmail.com"        # hr + admin in seed/

lock = threading.Lock()
results = []          # (t, op, instance, status)
logged_out = []       # (token, sid)
salary_writes = []    # (emp_no, salary, from_date) acknowledged with 2xx
hr_attempts = {}      # from_date -> [(t, instance, attempt, status, body)], for the report
stop = threading.Event()
T0 = time.monotonic()


def call(base, method, path, token=None, form=None, body=None, headers=None):
    data, hdrs = None, dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        hdrs["Content-Type"] = "application/x-www-form-urlencoded"
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    if token:
        hdrs["Authorization"] = "Bearer " + token
    request = urllib.request.Request(base + path, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except Exception:                          # a hang or a reset: counted as a failure
        return 0, b""


def record(op, instance, status):
    with lock:
        results.append((time.monotonic() - T0, op, instance, status))


def sid_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sid"]


def session_worker(n):
    """Log in on one instance, read on both, refresh, log out; again and again."""
    instances = [("a", BASE_A), ("b", BASE_B)]
    i = 0
    while not stop.is_set():
        name, base = instances[(n + i) % 2]
        other_name, other = instances[(n + i + 1) % 2]
        i += 1
        email = ACCOUNTS[(n + i) % len(ACCOUNTS)]
        status, body = call(base, "POST", "/token", form={"username": email, "password": "password"})
        record("login", name, status)
        if status != 200:
            time.sleep(0.2)
            continue
        tokens = json.loads(body)
        access, refresh = tokens["access_token"], tokens["refresh_token"]
        for inst_name, inst in ((name, base), (other_name, other), ("c", BASE_C)):
            status, _ = call(inst, "GET", "/users/me", token=access)
            record("me", inst_name, status)
        status, body = call(other, "POST", "/token",
                            form={"grant_type": "refresh_token", "refresh_token": refresh})
        record("refresh", other_name, status)
        if status == 200:
            access = json.loads(body)["access_token"]
        status, _ = call(base, "POST", "/logout", token=access)
        record("logout", name, status)
        if status == 204:
            with lock:
                logged_out.append((access, sid_of(access)))


def hr_worker():
    """Salary changes of one employee, each a day after the last, with an Idempotency-Key."""
    status, body = call(BASE_A, "POST", "/token", form={"username": HR, "password": "password",
                                                        "scope": "hr"})
    assert status == 200, (status, body)
    token = json.loads(body)["access_token"]
    day = 0
    while not stop.is_set():
        day += 1
        date = time.strftime("%Y-%m-%d", time.gmtime(978307200 + day * 86400))   # from 2001-01-02
        salary = 50000 + day
        base_name, base = (("a", BASE_A), ("b", BASE_B))[day % 2]
        change = {"salary": salary, "from_date": date}
        key = {"Idempotency-Key": f"cluster-test-{day}"}
        for attempt in range(3):             # a client retrying after a 503, with the same key
            status, body = call(base, "POST", "/employees/10198/salary", token=token, body=change,
                                headers=key)
            record("hr", base_name, status)
            with lock:
                hr_attempts.setdefault(date, []).append(
                    (round(time.monotonic() - T0, 2), base_name, attempt, status,
                     body[:300].decode(errors="replace")))
            if status != 503:
                break
            time.sleep(0.5)
        if 200 <= status < 300:
            with lock:
                salary_writes.append((10198, salary, date))
        time.sleep(0.05)


def node_query(port, sql):
    # With wsrep_sync_wait, a node answers only once it has applied every write the cluster
    # committed before the query: without it, a node may not have applied the last ones yet.
    out = subprocess.run(["mariadb", "--protocol=TCP", "-h127.0.0.1", f"-P{port}", "-uroot",
                          "-N", "-B", "employees", "-e", "SET SESSION wsrep_sync_wait = 1; " + sql],
                         capture_output=True, text=True)
    return out.stdout.strip()


def main():
    threads = [threading.Thread(target=session_worker, args=(n,)) for n in range(4)]
    threads.append(threading.Thread(target=hr_worker))
    for thread in threads:
        thread.start()
    time.sleep(WARMUP)
    killed_at = time.monotonic() - T0
    subprocess.run(KILL_CMD, shell=True, check=True)
    time.sleep(AFTER_KILL)
    restart_started = time.monotonic()
    subprocess.run(RESTART_CMD, shell=True, check=True)
    rejoin_s = time.monotonic() - restart_started
    restarted_at = time.monotonic() - T0
    time.sleep(AFTER_RESTART)
    stop.set()
    for thread in threads:
        thread.join()

    failures = [r for r in results if not (200 <= r[3] < 300)]
    five_hundreds = [r for r in failures if r[3] >= 500 and r[3] != 503]
    unavailable = [r for r in failures if r[3] == 503]
    others = [r for r in failures if r[3] != 503 and r[3] < 500]
    window = (killed_at, killed_at + 15.0)
    outside = [r for r in unavailable if not (window[0] <= r[0] <= window[1])]
    stall = (max(r[0] for r in unavailable) - killed_at) if unavailable else 0.0

    # Every logout is honoured by both instances.
    honoured = True
    for token, _ in logged_out:
        for base in (BASE_A, BASE_B, BASE_C):
            status, _ = call(base, "GET", "/users/me", token=token)
            honoured &= status == 401
    # Every acknowledged write is on all three nodes.
    missing = []
    for port in NODES:
        ended = set(node_query(port, "SELECT sid FROM sessions WHERE ended_at IS NOT NULL").split())
        missing += [f"session {sid} on {port}" for _, sid in logged_out if sid not in ended]
        rows = set(node_query(port, "SELECT CONCAT(salary, ' ', from_date) FROM salaries "
                                    "WHERE emp_no = 10198").splitlines())
        missing += [f"salary {s} {d} on {port}" for _, s, d in salary_writes if f"{s} {d}" not in rows]
    # What became of a missing write: its attempts, and the rows about its date on each node.
    diagnosis = {}
    for d in sorted({d for _, _, d in salary_writes
                     if any(m.endswith(f" {d} on {p}") for m in missing for p in NODES)}):
        diagnosis[d] = {"attempts": hr_attempts.get(d, []), "rows": {
            port: node_query(port, "SELECT salary, from_date, to_date FROM salaries WHERE emp_no = 10198 "
                                   f"AND from_date BETWEEN DATE_SUB('{d}', INTERVAL 3 DAY) "
                                   f"AND DATE_ADD('{d}', INTERVAL 3 DAY) ORDER BY from_date").splitlines()
            for port in NODES}, "key": node_query(NODES[-1],
                "SELECT idem_key, status, created_at FROM idempotency_keys WHERE idem_key LIKE "
                f"'cluster-test-%' AND body LIKE '%{d}%' LIMIT 5").splitlines()}
    def count_all():
        return {port: node_query(port, "SELECT (SELECT COUNT(*) FROM sessions), "
                                       "(SELECT COUNT(*) FROM audit_log), (SELECT COUNT(*) FROM salaries)")
                for port in NODES}
    counts = count_all()
    # Counted again after a pause when they differ: a node still applying shows as a change here.
    recounts = []
    for _ in range(3):
        if len(set(counts.values())) == 1:
            break
        time.sleep(2)
        recounts.append(counts)
        counts = count_all()
    latest = {port: node_query(port, "SELECT a.id, a.action, a.emp_no, a.ip, a.at FROM audit_log a "
                                     "ORDER BY a.at DESC LIMIT 6").splitlines()
              for port in NODES} if recounts else {}
    by_status = {}
    for r in results:
        by_status[str(r[3])] = by_status.get(str(r[3]), 0) + 1
    report = {
        "requests": len(results), "by_status": by_status,
        "logouts_checked": len(logged_out), "salary_changes_acknowledged": len(salary_writes),
        "killed_at_s": round(killed_at, 2), "restarted_at_s": round(restarted_at, 2),
        "rejoin_s": round(rejoin_s, 2), "last_503_after_kill_s": round(stall, 2),
        "answers_500": len(five_hundreds), "other_failures": len(others),
        "503_outside_window": len(outside), "revocations_honoured": honoured,
        "missing_writes": missing[:20], "missing_diagnosis": diagnosis, "node_counts": counts,
        "recounts": recounts, "latest_audit": latest,
        "failures": [{"t": round(t, 2), "op": op, "instance": inst, "status": st}
                     for t, op, inst, st in failures[:20]],
    }
    reasons = [why for failed, why in (
        (five_hundreds, f"{len(five_hundreds)} answers 5xx other than 503"),
        (others, f"{len(others)} failures other than 503 (4xx, hangs or resets: status 0)"),
        (outside, f"{len(outside)} answers 503 outside the stall window {window}"),
        (not honoured, "a logout was not honoured by both instances"),
        (missing, f"{len(missing)} acknowledged writes missing on a node"),
        (len(set(counts.values())) != 1, f"nodes disagree: {counts}"),
        (len(results) <= 100, f"only {len(results)} requests made")) if failed]
    report["reasons"] = reasons
    report["ok"] = not reasons
    print(json.dumps(report, indent=2))
    with open(REPORT, "w") as f:
        json.dump(report, f, indent=2)
    for why in reasons:
        print(f"cluster-load: {why}", file=sys.stderr)
    sys.exit(0 if report["ok"] else 1)


main()

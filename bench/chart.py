"""Draws bench/chart.svg (throughput per scenario) from bench/results.json; no dependencies."""
import json
import pathlib
import sys

here = pathlib.Path(__file__).parent
results = json.loads((here / "results.json").read_text())
bars = [
    ("primary key (mariadb-slap, 64)", results["one_lookup"]["pk_slap_qps"]),
    ("primary key (sqlx, 64)", results["one_lookup"]["pk_sqlx_qps"]),
    ("profile query (sqlx, 64)", results["raw_lookup"]["rps"]),
    ("GET /healthz, no database (64)", results["one_lookup"]["healthz_rps"]),
    ("GET /users/me (64)", results["users_me"]["rps"]),
    ("GET /users/me during logins", results["users_me_during_logins"]["rps"]),
    ("POST /token (8)", results["token"]["rps"]),
    ("POST /token ceiling", results["token_ceiling_rps"]),
]
width, bar_h, gap, left = 760, 26, 12, 250
top = max(v for _, v in bars) or 1
height = 50 + len(bars) * (bar_h + gap)
out = [
    f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13">',
    f'<text x="10" y="20" font-size="15" font-weight="bold">Requests per second ({results["machine"]})</text>',
]
for i, (label, value) in enumerate(bars):
    y = 40 + i * (bar_h + gap)
    w = max(1, (width - left - 90) * value / top)
    out.append(f'<text x="10" y="{y + 18}">{label}</text>')
    out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#2563eb"/>')
    out.append(f'<text x="{left + w + 6:.1f}" y="{y + 18}">{value:,.1f}</text>')
out.append("</svg>")
(here / "chart.svg").write_text("\n".join(out) + "\n")
print("bench/chart.svg written", file=sys.stderr)

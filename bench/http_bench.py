"""LSR submission under gunicorn (2 sync workers) driven by wrk, next to /readyz and /healthz,
and a 500-TN non-simple LSR end to end (api-contract §4.2)."""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable  # the Python running the benchmark (make bench: the project's .venv)
PORT = int(os.environ.get("BENCH_PORT", "5077"))
CONNECTIONS = 16

LUA = r"""
local tns, threads, counter, total = {}, {}, 0, 1
id, errors = 0, 0  -- globals: set by setup() and read back by done()
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  total = tonumber(args[1]); local n = 0
  for line in io.lines(args[2]) do
    if n % total == id then table.insert(tns, line) end
    n = n + 1
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[3]
end
function request()
  counter = counter + 1
  -- past the end of this run's TNs, start again (those LSRs are rejected: R205, counted below)
  local tn, an, zip = tns[(counter - 1) % #tns + 1]:match("([^,]+),([^,]+),([^,]+)")
  local body = '{"ccna":"BHW","pon":"W' .. args_tag .. id .. 'N' .. counter ..
    '","ver":"1","an":"' .. an ..
    '","cc":"B451","npdi":"C","reqtyp":"CB","act":"V","ddd":"DDD","agauth":"Y",' ..
    '"init_tel":"5419990123","eu":{"zip":"' .. zip .. '"},"tns":["' .. tn .. '"]}'
  return wrk.format(nil, "/api/v1/lsrs", nil, body)
end
function response(status, headers, body)
  -- an LSR answered but rejected is a 201 too: where asked, only an FOC counts as one
  if status ~= 201 or (FOC_ONLY and not string.find(body, '"status"%s*:%s*"foc"')) then
    errors = errors + 1
  end
end
DELAY
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("errors") end
  io.write(string.format("non-FOC answers: %d\n", bad))
end
"""


def _env(url: str, root: Path = ROOT) -> dict:
    return {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(root)}


class Server:
    """gunicorn app:app with 2 sync workers on the benchmark database; `env` adds environment
    (the API rate limit is off unless it says otherwise: the runs measure the path). `target`
    and `port`: another app served the same way (bench/floor_app.py's skeleton); `root`:
    another checkout's Portgate (bench/ab_served.py)."""

    def __init__(self, url: str, env: dict[str, str] | None = None, *, target: str = "app:app",
                 port: int = PORT, root: Path = ROOT) -> None:
        self.url, self.target, self.port, self.root = url, target, port, root
        self.env = {"PORTGATE_API_RATE_LIMIT": "0", **(env or {})}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        extra = [] if self.target == "app:app" else ["--pythonpath", str(ROOT / "bench")]
        self.process = subprocess.Popen(
            [PY, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{self.port}", *extra,
             "--log-level", "warning", "--backlog", "2048", self.target],
            cwd=self.root, env={**_env(self.url, self.root), **self.env})
        for _ in range(200):
            try:
                if _get("/readyz", self.port)[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def _get(path: str, port: int = PORT) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    resp = conn.getresponse()
    return resp.status, resp.read()


def token(url: str, username: str = "heron.orders") -> str:
    out = subprocess.run([PY, "-m", "flask", "--app", "app", "token", "issue", username],
                         cwd=ROOT, env=_env(url), check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def simple_port_candidates(engine: sa.Engine, path: Path, limit: int) -> int:
    """Write tn,an,zip of single-line POTS accounts that a simple port can take (FOC)."""
    sql = sa.text("""
        SELECT t.tn, a.account_number, a.zip FROM accounts a JOIN tns t
          ON t.account_number = a.account_number
        WHERE a.service_class = 'pots' AND a.passcode_hash IS NULL AND NOT a.port_freeze
          AND NOT a.une AND a.resale_spid IS NULL AND a.state <> 'MT' AND t.status = 'working'
          AND (SELECT count(*) FROM tns o WHERE o.account_number = a.account_number) = 1
          AND NOT EXISTS (SELECT 1 FROM lsr_tns l WHERE l.tn = t.tn)
          AND NOT EXISTS (SELECT 1 FROM npac_subscription_versions s
                          WHERE s.tn = t.tn AND s.status = 'active')
          AND NOT EXISTS (SELECT 1 FROM npac_subscription_versions s
                          WHERE s.tn = t.tn AND s.status <> 'active')
        ORDER BY a.account_number DESC LIMIT :limit""")
    with engine.connect() as conn:
        rows = conn.execute(sql, {"limit": limit}).all()
    path.write_text("".join(f"{tn},{an},{zip_code[:5]}\n" for tn, an, zip_code in rows))
    return len(rows)


def _wrk(args: list[str], script: Path | None = None, extra: list[str] = (), port: int = PORT
         ) -> dict:
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    cmd = ["wrk", "-t2", *args, "--latency"] + (["-s", str(script)] if script else [])
    cmd += [f"http://127.0.0.1:{port}" + extra[0]] + (["--", *extra[1:]] if extra[1:] else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", out).group(1)) for p in ("50", "99")}
    bad = re.search(r"non-FOC answers: (\d+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures = {"rps": rate, "p50": lat["50"], "p99": lat["99"],
               "errors": int(bad.group(1)) if bad else int(errors.group(1)) if errors else 0}
    if bad:  # an LSR run: its rate is of FOCs (a reject or a refusal answers faster)
        requests = int(re.search(r"(\d+) requests in", out).group(1))
        figures |= {"requests_rps": rate,
                    "rps": rate * (requests - figures["errors"]) / max(requests, 1)}
    return figures


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def lsr_load(workdir: Path, api_token: str, seconds: int, tag: str, rate: float | None = None,
             candidates: Path | None = None, port: int = PORT, foc_only: bool = True) -> dict:
    """wrk POSTing distinct 1-TN simple ports (lines of `candidates`, default candidates.txt);
    with `rate`, paced to about that many per s; `port`: another server's (the skeleton's).
    The rate is of FOCs (`foc_only`; a TN sent again is rejected, R205, and a reject answers
    201 too), or of 201 answers (the skeleton, sent the TNs Portgate has just confirmed: it
    does the same work for an FOC and a reject)."""
    conns = CONNECTIONS if rate is None else 8
    delay = "" if rate is None else \
        f"function delay() return {max(0.0, conns / rate * 1000 - 2):.2f} end"
    ddd = (date.today() + timedelta(days=10)).isoformat()
    script = workdir / f"lsr_{tag}.lua"
    script.write_text(LUA.replace("DDD", ddd).replace("DELAY", delay)
                      .replace("args_tag", f'"{tag}"')
                      .replace("FOC_ONLY", "true" if foc_only else "false"))
    return _wrk([f"-c{conns}", f"-d{seconds}s"], script,
                ["/api/v1/lsrs", "2", str(candidates or workdir / "candidates.txt"), api_token],
                port)


def get_load(path: str, seconds: int) -> dict:
    return _wrk([f"-c{CONNECTIONS}", f"-d{seconds}s"], None, [path])


def big_lsr(engine: sa.Engine, api_token: str, runs: int, tag: str) -> dict:
    """A 500-TN non-simple (project) LSR end to end over HTTP; each is canceled afterwards."""
    accounts = _big_accounts(engine)
    if not accounts:
        return {}
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    headers = {"Authorization": f"Bearer {api_token}", "Content-Type": "application/json"}
    times, statuses = [], []
    for run in range(runs + 2):
        account, tns = accounts[run % len(accounts)]
        body = {"ccna": "BHW", "pon": f"E{tag}{run}", "ver": "1", "an": account["an"],
                "cc": "B451", "npdi": "C", "reqtyp": "CB", "act": "V", "agauth": "Y",
                "ddd": (date.today() + timedelta(days=20)).isoformat(), "mi": "A",
                "remarks": "PARTIAL PORT", "init": "Bench Runner", "init_tel": "5419990123",
                "eu": account["eu"], "tns": tns}
        started = time.perf_counter()
        conn.request("POST", "/api/v1/lsrs", json.dumps(body), headers)
        resp = conn.getresponse()
        answer = json.loads(resp.read())
        elapsed = (time.perf_counter() - started) * 1000
        if run >= 2:
            times.append(elapsed)
            statuses.append(answer.get("status"))
        conn.request("POST", f"/api/v1/lsrs/{answer['id']}/supplements",
                     json.dumps({"sup": "1", "ver": "2"}), headers)
        conn.getresponse().read()
    times.sort()
    return {"p50": statistics.median(times), "p99": times[max(0, int(len(times) * .99) - 1)],
            "runs": len(times), "statuses": sorted(set(statuses))}


def _big_accounts(engine: sa.Engine) -> list[tuple[dict, list[str]]]:
    with engine.connect() as conn:
        numbers = conn.execute(sa.text("""
            SELECT a.account_number FROM accounts a JOIN tns t
              ON t.account_number = a.account_number AND t.status = 'working'
            WHERE a.passcode_hash IS NULL AND NOT a.port_freeze AND a.state <> 'MT'
            GROUP BY a.account_number HAVING count(*) > 500 ORDER BY a.account_number
            LIMIT 8""")).scalars().all()
        found = []
        for number in numbers:
            row = conn.execute(sa.text("SELECT * FROM accounts WHERE account_number = :n"),
                               {"n": number}).mappings().one()
            tns = conn.execute(sa.text(
                "SELECT tn FROM tns WHERE account_number = :n AND status = 'working' "
                "AND tn <> :btn ORDER BY tn LIMIT 500"), {"n": number, "btn": row["btn"]}
            ).scalars().all()
            eu = {k: row[k] for k in ("sano", "sasd", "sasn", "sath", "sass", "ld1", "lv1",
                                      "city", "state", "zip") if row[k]}
            eu["name"] = row["customer_name"]
            found.append(({"an": number, "eu": eu}, list(tns)))
    return found

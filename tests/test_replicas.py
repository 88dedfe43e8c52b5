"""Two real `migrant-desk serve` processes on ONE database (SQLite in WAL mode, and PostgreSQL: the
`module_database_url` fixture runs the module on each), as replicas behind a proxy:
a publish on one is answered by the other within seconds, claim-next through both never hands a ticket out
twice nor loses one, and a reply written through one wakes the migrant's long-poll on the other.

Nothing here reads the database directly: staff are made with the real CLI and everything else goes over HTTP,
so the same test holds when the database is PostgreSQL. The 2-second target is measured by
scripts/bench_replicas.py; the bounds here leave room for a loaded test machine.
"""

from __future__ import annotations

import copy
import shutil
import statistics
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.server import free_port, running_replicas

PUBLISH_BOUND_SECONDS = 5.0
# A long-poll re-reads the database every 2 s anyway (tickets/api.RECHECK_SECONDS): a cross-process wake must
# beat that backstop to show the replica watcher at work.
WAKE_BOUND_SECONDS = 1.5
SEVERANCE_QUESTION = "퇴직금은 언제 받을 수 있어요?"


def call(method: str, url: str, token: str | None = None, **kwargs) -> httpx.Response:
    headers = {**kwargs.pop("headers", {}), **({"Authorization": f"Bearer {token}"} if token else {})}
    return httpx.request(method, url, headers=headers, timeout=60, **kwargs)


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, module_database_url):
    pg = {"MIGRANT_DESK_DATABASE_URL": module_database_url} if module_database_url.startswith("postgres") else {}
    with running_replicas(tmp_path_factory.mktemp("replicas"), count=2, env_extra=pg) as servers:
        a = servers[0]
        made = {}

        def add(name: str, *args: str) -> None:
            done = a.cli("users", "add", name, *args)
            assert done.returncode == 0, done.stderr
            made[name] = done.stdout.strip()

        staff = [("editor", "--role", "editor")] + [
            (f"counselor{n}", "--role", "counselor", "--languages", "vi,ko", "--capacity", "200") for n in range(4)]
        with ThreadPoolExecutor(len(staff)) as pool:
            list(pool.map(lambda s: add(*s), staff))
        yield servers, made


def served_answer(base: str) -> str:
    result = call("POST", f"{base}/v1/ask", json={"text": SEVERANCE_QUESTION, "lang": "ko"}).json()
    assert result["answer"] is not None and result["answer"]["id"] == "severance-pay", result
    return result["answer"]["answer"]


def publish_marker(base: str, editor: str) -> str:
    """Edit severance-pay's Korean answer with a marker never embedded before, and publish it through `base`."""
    state = call("GET", f"{base}/v1/editor/entries/severance-pay", editor).json()
    data = copy.deepcopy(state["draft"])
    marker = f"replica-{uuid.uuid4().hex[:8]}"
    data["translations"]["ko"]["answer"] += f" ({marker})"
    saved = call("PUT", f"{base}/v1/editor/entries/severance-pay", editor, json={"entry": data})
    assert saved.status_code == 200, saved.text
    published = call("POST", f"{base}/v1/editor/entries/severance-pay/publish", editor)
    assert published.status_code == 200, published.text
    return marker


def seconds_until_served(base: str, version: int, since: float, bound: float) -> float:
    """Waits (polling /healthz, which costs nothing) until `base` serves the published `version`."""
    while call("GET", f"{base}/healthz").json()["published_version"] < version:
        if time.perf_counter() - since > bound:
            pytest.fail(f"{base} did not serve published version {version} within {bound} s")
        time.sleep(0.02)
    return time.perf_counter() - since


def test_a_publish_on_one_replica_is_answered_by_the_other(replicas):
    (a, b), tokens = replicas
    for source, other in ((a, b), (b, a)):  # both ways: neither replica is special
        before = call("GET", f"{other.base}/healthz").json()
        started = time.perf_counter()
        marker = publish_marker(source.base, tokens["editor"])
        assert marker in served_answer(source.base)  # the publishing replica serves it when the call returns
        version = call("GET", f"{source.base}/healthz").json()["published_version"]
        assert version > before["published_version"]
        delay = seconds_until_served(other.base, version, started, PUBLISH_BOUND_SECONDS)
        assert marker in served_answer(other.base)  # the other one answers with the new text
        print(f"publish on {source.base} answered by {other.base} {delay:.2f} s after the publish call")
        health = {s.base: call("GET", f"{s.base}/healthz").json() for s in (a, b)}
        # each serves its own build of the same published entries
        assert health[a.base]["entries"] == health[b.base]["entries"]
        assert health[other.base]["index_build"] != before["index_build"]


def test_an_office_published_on_one_replica_is_served_by_the_other(replicas):
    (a, b), tokens = replicas
    state = call("GET", f"{a.base}/v1/editor/offices/seoul", tokens["editor"]).json()
    record = copy.deepcopy(state["draft"])
    marker = uuid.uuid4().hex[:6]
    record["name"]["en"] = f"Seoul Immigration Office ({marker})"
    assert call("PUT", f"{a.base}/v1/editor/offices/seoul", tokens["editor"], json={"office": record}).status_code \
        == 200
    assert call("POST", f"{a.base}/v1/editor/offices/seoul/publish", tokens["editor"]).status_code == 200
    deadline = time.perf_counter() + PUBLISH_BOUND_SECONDS
    while True:
        found = call("GET", f"{b.base}/v1/offices", params={"region": "강남구", "lang": "en"}).json()
        if marker in found["office"]["name"]["en"]:
            break
        assert time.perf_counter() < deadline, f"B still serves {found['office']['name']}"
        time.sleep(0.05)


def handoff(base: str, n: int) -> dict:
    body = {"conversation_id": f"replica-{uuid.uuid4().hex}", "lang": "vi", "consent": True,
            "transcript": [{"role": "migrant", "text": f"Tôi cần giúp đỡ về hợp đồng lao động số {n}."}]}
    made = call("POST", f"{base}/v1/handoff", json=body)
    assert made.status_code == 201, made.text
    return made.json()


def test_claim_next_through_both_replicas_hands_out_each_ticket_once(replicas):
    (a, b), tokens = replicas
    with ThreadPoolExecutor(8) as pool:
        created = {t["ticket_id"] for t in pool.map(lambda n: handoff((a, b)[n % 2].base, n), range(40))}
    assert len(created) == 40
    claims: list[tuple[str, int]] = []
    refusals: list[str] = []
    lock = threading.Lock()

    def worker(counselor: str, base: str) -> None:
        while True:
            r = call("POST", f"{base}/v1/tickets/claim-next", tokens[counselor])
            if r.status_code == 204:
                return
            with lock:
                if r.status_code != 200:
                    refusals.append(f"{counselor}@{base}: {r.status_code} {r.text}")
                    return
                claims.append((counselor, r.json()["id"]))

    # every counselor claims through both replicas at once: 8 racing clients, 2 processes, 1 database
    threads = [threading.Thread(target=worker, args=(f"counselor{n}", s.base)) for n in range(4) for s in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not refusals
    ids = [ticket_id for _, ticket_id in claims]
    assert len(ids) == len(set(ids)), "a ticket was claimed twice"
    assert set(ids) == created, f"tickets never claimed: {sorted(created - set(ids))}"
    # and the database agrees: each of them is held by the one counselor whose claim succeeded
    holder = {ticket_id: counselor for counselor, ticket_id in claims}
    for ticket_id in sorted(created)[:10]:
        seen = call("GET", f"{b.base}/v1/tickets/{ticket_id}", tokens["counselor0"]).json()
        assert seen["assigned_to"] == holder[ticket_id] and seen["status"] == "assigned"


def test_a_reply_through_one_replica_wakes_the_migrants_long_poll_on_the_other(replicas):
    (a, b), tokens = replicas
    delays = []
    for round_no in range(3):
        ticket = handoff(a.base, 100 + round_no)
        ticket_id, migrant = ticket["ticket_id"], ticket["access_token"]
        # a fresh counselor claims it through A (the earlier test left the others holding tickets)
        claimed = call("POST", f"{a.base}/v1/tickets/{ticket_id}/claim", tokens["counselor1"])
        assert claimed.status_code == 200, claimed.text
        seen = call("GET", f"{b.base}/v1/tickets/{ticket_id}/messages", migrant).json()
        news: dict = {}

        def poll(ticket_id: int, migrant: str, after: int, news: dict) -> None:
            r = call("GET", f"{b.base}/v1/tickets/{ticket_id}/messages", migrant, params={"after": after, "wait": 25})
            news.update(r.json(), returned=time.perf_counter())

        waiting = threading.Thread(target=poll, args=(ticket_id, migrant, seen["last_id"], news))
        waiting.start()
        time.sleep(0.5)  # the poll is waiting on B
        assert not news
        reply = f"Chào bạn, tôi đã nhận hồ sơ của bạn (lần {round_no})."
        sent = call("POST", f"{a.base}/v1/tickets/{ticket_id}/messages", tokens["counselor1"],
                    json={"text": reply, "lang": "vi"})
        replied = time.perf_counter()
        assert sent.status_code == 200, sent.text
        waiting.join(timeout=30)
        assert [m["text"] for m in news["messages"]] == [reply] and news["status"] == "waiting_on_migrant"
        delays.append(news["returned"] - replied)
    print(f"reply on A → long-poll on B returned after {', '.join(f'{d:.2f}' for d in delays)} s")
    assert statistics.median(delays) < WAKE_BOUND_SECONDS, delays


@pytest.fixture(scope="module")
def proxy(replicas, tmp_path_factory):
    """docs/nginx-replicas.conf, as the README gives it, in front of the two replicas (ports substituted)."""
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if nginx is None:
        pytest.fail("nginx is missing: run `bash scripts/install.sh test` (installs Debian's nginx)")
    (a, b), _ = replicas
    work = tmp_path_factory.mktemp("nginx")
    port = free_port()
    conf = (Path(__file__).parent.parent / "docs" / "nginx-replicas.conf").read_text()
    conf = (conf.replace("127.0.0.1:8001", a.base.removeprefix("http://"))
            .replace("127.0.0.1:8002", b.base.removeprefix("http://"))
            .replace("listen 8080;", f"listen 127.0.0.1:{port};")
            .replace("/var/log/nginx/migrant-desk.log", str(work / "access.log")))
    temp = "\n".join(f"{kind}_temp_path {work / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                        "scgi"))
    (work / "nginx.conf").write_text(
        f"daemon off;\nmaster_process off;\npid {work / 'nginx.pid'};\nerror_log {work / 'error.log'};\n"
        f"events {{ worker_connections 256; }}\nhttp {{\n{temp}\n{conf}\n}}\n")
    proc = subprocess.Popen([nginx, "-p", str(work), "-c", str(work / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 20
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, (work / "error.log").read_text()
                assert time.time() < deadline, "nginx did not start"
                time.sleep(0.1)
        yield base, work / "access.log"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_behind_the_readme_nginx_config_request_ids_pass_and_a_reply_wakes_a_poll_on_either_replica(replicas,
                                                                                                    proxy):
    (a, b), tokens = replicas
    base, access_log = proxy
    mine = call("GET", f"{base}/healthz", headers={"X-Request-ID": "proxy-probe-1"})
    assert mine.headers["x-request-id"] == "proxy-probe-1"  # the caller's id, through nginx and back
    given = call("GET", f"{base}/healthz").headers["x-request-id"]  # nginx's own $request_id
    time.sleep(0.3)  # log lines are written after the response
    logs = a.log.read_text() + b.log.read_text()
    assert "request_id=proxy-probe-1" in logs and f"request_id={given}" in logs
    upstreams = {line.split("upstream=")[1].split()[0] for line in access_log.read_text().splitlines()}
    assert upstreams == {a.base.removeprefix("http://"), b.base.removeprefix("http://")}  # both take requests

    # a migrant and a counselor who both go through the proxy land on either replica: the reply still wakes
    ticket = handoff(base, 200)
    ticket_id, migrant = ticket["ticket_id"], ticket["access_token"]
    assert call("POST", f"{base}/v1/tickets/{ticket_id}/claim", tokens["counselor2"]).status_code == 200
    for round_no in range(2):
        after = call("GET", f"{base}/v1/tickets/{ticket_id}/messages", migrant).json()["last_id"]
        news: dict = {}

        def poll(after: int, news: dict) -> None:
            r = call("GET", f"{base}/v1/tickets/{ticket_id}/messages", migrant, params={"after": after, "wait": 25})
            news.update(r.json(), returned=time.perf_counter())

        waiting = threading.Thread(target=poll, args=(after, news))
        waiting.start()
        time.sleep(0.5)
        sent = call("POST", f"{base}/v1/tickets/{ticket_id}/messages", tokens["counselor2"],
                    json={"text": f"Đã nhận ({round_no}).", "lang": "vi"})
        replied = time.perf_counter()
        assert sent.status_code == 200
        waiting.join(timeout=30)
        assert [m["text"] for m in news["messages"]] == [f"Đã nhận ({round_no})."]
        assert news["returned"] - replied < WAKE_BOUND_SECONDS

"""Synapse measured as people use it to get into a room: users registered before
timing, a public room and a knock room made by an admin, then with wrk (each
request its own user's access token, see synapse.lua) joins to the public room,
knocks on the knock room, and the admin accepting each knock by an invite."""

from __future__ import annotations

import json
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench.serving import wrk
from bench.serving.block import Options, timed
from bench.serving.cpu import postgres_backends
from bench.serving.report import BACKEND_NAMES, SYNAPSE, Block, Result
from bench.serving.synapse import Install, Synapse

CLIENT = "/_matrix/client/v3"
SCRIPT = Path(__file__).with_name("synapse.lua")
REGISTERING = 16  # registrations at once: enough to keep Synapse busy
JOIN, KNOCK, ACCEPT = SYNAPSE  # the keys of its rows


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    token: str


def call(
    base_url: str, path: str, body: dict[str, object], token: str = "", method: str = "POST"
) -> dict[str, object]:
    request = urllib.request.Request(
        base_url + path,
        data=json.dumps(body).encode() if method != "GET" else None,
        method=method,
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        found: dict[str, object] = json.loads(answer.read())
    return found


def register(base_url: str, name: str) -> User:
    body = {"username": name, "password": f"pw-{name}", "auth": {"type": "m.login.dummy"}}
    found = call(base_url, f"{CLIENT}/register", body)
    return User(str(found["user_id"]), str(found["access_token"]))


def register_many(base_url: str, count: int, prefix: str) -> list[User]:
    with ThreadPoolExecutor(REGISTERING) as pool:
        return list(pool.map(partial(register, base_url), (f"{prefix}{n}" for n in range(count))))


def make_rooms(base_url: str, admin: User) -> tuple[str, str]:
    """A public room and a knock room, both the admin's: their room ids, path-quoted."""
    public = call(base_url, f"{CLIENT}/createRoom", {"preset": "public_chat"}, admin.token)
    knock_rules = {"type": "m.room.join_rules", "state_key": "", "content": {"join_rule": "knock"}}
    knock = call(
        base_url,
        f"{CLIENT}/createRoom",
        {"preset": "private_chat", "initial_state": [knock_rules]},
        admin.token,
    )
    return _quoted(public["room_id"]), _quoted(knock["room_id"])


def _quoted(room_id: object) -> str:
    return urllib.parse.quote(str(room_id), safe="")


def knockers(base_url: str, room: str, admin: User) -> list[str]:
    path = f"{CLIENT}/rooms/{room}/members?membership=knock"
    found = call(base_url, path, {}, admin.token, method="GET")
    chunk = found.get("chunk", [])
    assert isinstance(chunk, list)
    return [str(event["state_key"]) for event in chunk]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


@dataclass(slots=True)
class Measured:
    results: dict[str, Result]
    notes: list[str]


def measure(
    server: Synapse, workdir: Path, users: int, warming: wrk.Load | None, measured: wrk.Load
) -> Measured:
    """Each of the three calls, ``warming`` (unmeasured) then ``measured``. A user's
    call is made once: a run that runs out of users says so in a note."""
    base = server.base_url
    admin = register(base, "admin")
    public, knock = make_rooms(base, admin)
    people = register_many(base, users, "person")
    # The warm-up takes users of its own, as many as its share of the seconds.
    share = warming.seconds / (warming.seconds + measured.seconds) if warming else 0.0
    split = round(len(people) * share)
    found = Measured({}, [])

    def run(key: str, lines: Callable[[list[User]], list[str]]) -> None:
        if not lines(people[split:]):
            found.notes.append(f"{SYNAPSE[key]}: nothing to send (no knock went through)")
            return
        if warming is not None and split:
            path = write_lines(workdir / f"{key}.warmup.calls", lines(people[:split]))
            _run(base, path, warming, found.notes, f"{SYNAPSE[key]} (warm-up)")
        path = write_lines(workdir / f"{key}.calls", lines(people[split:]))
        found.results[key] = timed(
            partial(_run, base, path, measured, found.notes, SYNAPSE[key]),
            server.pids,
            _db_pids(server),
        )

    run(JOIN, lambda group: [f"POST\t{CLIENT}/join/{public}\t{u.token}\t{{}}" for u in group])
    run(KNOCK, lambda group: [f"POST\t{CLIENT}/knock/{knock}\t{u.token}\t{{}}" for u in group])
    # Everyone not yet knocking knocks now, untimed, so the admin has a knock to accept
    # for every user the warm-up and the measured run may take.
    waiting = set(knockers(base, knock, admin))
    late = [u for u in people if u.user_id not in waiting]
    with ThreadPoolExecutor(REGISTERING) as pool:
        list(pool.map(lambda u: call(base, f"{CLIENT}/knock/{knock}", {}, u.token), late))
    knocked = set(knockers(base, knock, admin))
    invite = f"POST\t{CLIENT}/rooms/{knock}/invite\t{admin.token}\t"
    run(
        ACCEPT,
        lambda group: [
            invite + json.dumps({"user_id": u.user_id}, separators=(",", ":"))
            for u in group
            if u.user_id in knocked
        ],
    )
    return found


def _run(base_url: str, path: Path, load: wrk.Load, notes: list[str], what: str) -> wrk.Measure:
    found = wrk.run_script(base_url, SCRIPT, [str(path), str(load.threads)], load)
    if found.get("repeated"):
        notes.append(
            f"{what}: users ran out, {found['repeated']:,} requests repeated a user's call "
            "(give more with --synapse-users)"
        )
    return wrk.measure(found)


def _db_pids(server: Synapse) -> Callable[[], list[int]]:
    if server.database:
        return lambda: postgres_backends(server.database)
    return list


def beside(
    options: Options, backend: str, setup: Install, users: int, blocks: list[Block]
) -> list[str]:
    """Synapse on ``backend``, measured once and put in each of this checkout's
    ``blocks`` of it; what went wrong, if anything, as notes (the run goes on)."""
    print(f"\nSynapse on {backend}, {users:,} users", flush=True)
    name = BACKEND_NAMES[backend]
    try:
        server = Synapse(setup, backend, options.workdir / f"synapse-{backend}")
    except Exception as error:  # a peer that fails to start is a note; grouplink's figures stand
        return [f"{name}: could not start: {error}"]
    try:
        server.wait_ready()
        warming = options.warming if options.warmup else None
        found = measure(server, server.log_path.parent, users, warming, options.measured())
    except Exception as error:
        print(server.log_tail(), file=sys.stderr)
        return [f"{name}: not measured: {error}"]
    finally:
        server.stop()
    for block in blocks:
        if not block.version:
            block.results |= found.results
    for key, result in found.results.items():
        print(f"  {SYNAPSE[key]:<50} {result.rate:>8,.0f} req/s", flush=True)
    return [f"{name}: {note}" for note in found.notes]

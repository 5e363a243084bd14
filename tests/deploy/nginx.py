"""An nginx of the test's own (Debian's binary, a main configuration in a temporary
folder) that loads the sites the guide wrote, as Debian's /etc/nginx/nginx.conf does."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

CONF = """\
daemon off;
{user}
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {run}/access.log;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    include {sites}/sites-enabled/*;
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def main_conf(run: Path, sites: Path) -> Path:
    """A main configuration that includes ``{sites}/sites-enabled/*``."""
    run.mkdir(parents=True, exist_ok=True)
    # As root, nginx's workers would become nobody, who cannot enter pytest's folders.
    user = "user root;" if os.geteuid() == 0 else ""
    conf = run / "nginx.conf"
    conf.write_text(CONF.format(user=user, run=run, sites=sites))
    return conf


def check_conf(binary: str, conf: Path) -> None:
    tested = subprocess.run([binary, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stderr


def start(binary: str, conf: Path) -> subprocess.Popen[bytes]:
    with open(conf.parent / "nginx.out", "wb") as out:
        return subprocess.Popen(
            [binary, "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

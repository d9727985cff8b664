"""A real S3 API server (moto's, from PyPI) on 127.0.0.1 for the object-storage tests,
and a counting HTTP proxy in front of it: every request omearrow's S3 client makes goes
through the proxy, which records the method, key, Range header and body bytes sent back.
Nothing binds or connects anywhere but 127.0.0.1."""

from __future__ import annotations

import contextlib
import http.client
import http.server
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

import pytest

HOST = "127.0.0.1"
REGION = "us-east-1"
BUCKET = "plates"  # the bucket the `s3` fixture creates


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def isolated_aws_env(env: dict[str, str], tmp: str, key: str = "testing",
                     secret: str = "testing") -> dict[str, str]:
    """The AWS variables the tests run with: fixed credentials, no config/credential files
    of the machine, no EC2 instance-metadata lookups (which would leave loopback)."""
    env = dict(env)
    env.update(
        AWS_ACCESS_KEY_ID=key,
        AWS_SECRET_ACCESS_KEY=secret,
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.path.join(tmp, "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=os.path.join(tmp, "no-aws-credentials"),
    )
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    return env


@contextlib.contextmanager
def moto_server(env: dict[str, str]):
    """Starts `moto.server` on 127.0.0.1 (a free port); yields its port."""
    port = free_port()
    # The server logs every request: to a file, never to a pipe nobody reads (a full pipe
    # blocks the server).
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from moto.server import main; main()", "-H", HOST,
         "-p", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"moto server exited: {log.read().decode()[-2000:]}")
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=2)
                conn.request("GET", "/moto-api/")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@dataclass
class Request:
    method: str
    key: str      # "bucket/key" (path-style), unquoted
    range: str | None
    body_bytes: int


@dataclass
class Counter:
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()

    def snapshot(self) -> list[Request]:
        with self.lock:
            return list(self.requests)


@contextlib.contextmanager
def counting_proxy(upstream_port: int):
    """An HTTP/1.1 proxy on 127.0.0.1 forwarding to the moto server; yields
    (port, Counter)."""
    counter = Counter()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                # Uploads may come chunked: forwarded whole, with a Content-Length.
                pieces = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass  # trailers
                        break
                    pieces.append(self.rfile.read(size))
                    self.rfile.readline()
                body = b"".join(pieces)
            # The body is already read (this server answered any "Expect: 100-continue"),
            # so the upstream request must not wait for a 100 Continue of its own.
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("connection", "expect", "transfer-encoding")}
            if body is not None:
                headers["Content-Length"] = str(len(body))
            for attempt in range(5):  # the moto dev server may drop a busy connection
                upstream = http.client.HTTPConnection(HOST, upstream_port, timeout=120)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    data = response.read()
                    break
                except (http.client.RemoteDisconnected, ConnectionResetError):
                    if attempt == 4:
                        raise
                    time.sleep(0.05 * (attempt + 1))
                finally:
                    upstream.close()
            # Recorded before answering, so a client that got its response sees it counted.
            key = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path.lstrip("/"))
            with counter.lock:
                counter.requests.append(
                    Request(self.command, key, self.headers.get("Range"),
                            0 if self.command == "HEAD" else len(data))
                )
            self.send_response(response.status, response.reason)
            for k, v in response.getheaders():
                if k.lower() in ("transfer-encoding", "connection", "content-length"):
                    continue
                self.send_header(k, v)
            if self.command == "HEAD":
                self.send_header("Content-Length", response.getheader("Content-Length", "0"))
            else:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _forward

    server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], counter
    finally:
        server.shutdown()
        server.server_close()


def footer_reads(requests: list[Request], key: str, size: int) -> int:
    """GETs of `key` (an object of `size` bytes) for its footer: the tail window that
    opening a Parquet file reads first (its last 64 KiB, or all of a smaller object). A
    row group's metadata leaves may also end at the last byte, in a shorter window."""
    window = f"bytes={max(0, size - 65536)}-{size - 1}"
    return sum(1 for r in requests
               if r.key == key and r.method == "GET" and r.range == window)


def s3_uri(path: str, port: int) -> str:
    """An s3:// URI of `path` ("bucket/key") at the local endpoint `port`."""
    # A generous request timeout: the moto server is slow on a busy 2-core machine.
    return (f"s3://{path}?endpoint_override={HOST}:{port}&scheme=http&region={REGION}"
            "&request_timeout=60")


# --- fixtures (import them into a test module: ``from s3_support import aws_env, s3``) --


@pytest.fixture(scope="module")
def aws_env(tmp_path_factory):
    """The isolated AWS variables, set in os.environ for the module (processes started
    meanwhile, e.g. Dask or Ray workers, inherit them)."""
    tmp = str(tmp_path_factory.mktemp("aws"))
    env = isolated_aws_env(dict(os.environ), tmp)
    saved = {k: os.environ.get(k) for k in env if os.environ.get(k) != env[k]}
    removed = [k for k in ("AWS_SESSION_TOKEN", "AWS_PROFILE") if k in os.environ]
    saved.update({k: os.environ[k] for k in removed})
    os.environ.update(env)
    for k in removed:
        del os.environ[k]
    yield env
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="module")
def s3(aws_env):
    """A moto S3 server on 127.0.0.1 behind a counting proxy, with bucket BUCKET:
    (boto3 client, proxy port, Counter)."""
    import boto3

    with moto_server(aws_env) as port:
        with counting_proxy(port) as (proxy_port, counter):
            client = boto3.client("s3", endpoint_url=f"http://{HOST}:{port}",
                                  region_name="us-east-1")
            client.create_bucket(Bucket=BUCKET)
            yield client, proxy_port, counter

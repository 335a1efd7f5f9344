"""Faults, through ansible-playbook against real local Milvus servers: nothing
listening, a server that accepts TCP but never answers (SIGSTOP), a restart
between two runs, and zilliz_connection_check waiting for a server that comes
up later. Every fault has a bound on its wall time: nothing may hang."""

import concurrent.futures
import sys
import time

import pytest

from conftest import REPO, playbook, server_vars, snapshot, start_server

sys.path.insert(0, str(REPO / 'tools'))
from milvus_local import pick_free_ports  # noqa: E402


@pytest.fixture(scope='module')
def server():
    """A server of this file only: it is paused, killed and restarted."""
    srv = start_server(stop_grace=1)
    try:
        yield srv
    finally:
        srv.stop()


def test_nothing_listening_fails_fast_as_unreachable():
    # A free port nobody listens on; timeout 10 s, each task must fail well within it.
    port = pick_free_ports(1)[0]
    started = time.monotonic()
    playbook('faults_no_answer.yml', server_vars(
        _NoServer(port), module_timeout=10, max_seconds=4, expect_category='unreachable'))
    assert time.monotonic() - started < 25


def test_stopped_process_times_out_and_never_hangs(server):
    """SIGSTOP: the kernel still completes the TCP handshake, nothing answers."""
    server.pause()
    started = time.monotonic()
    try:
        # Each task: timeout 2 s plus module start-up; the whole run well under
        # the ~30 s a paused server tolerates (etcd session TTL).
        playbook('faults_no_answer.yml', server_vars(
            server, module_timeout=2, max_seconds=6, expect_category='timeout'), timeout=60)
    finally:
        server.resume()
    assert time.monotonic() - started < 30
    users, dummy = snapshot(server)     # still healthy, nothing was created
    assert 'fault_user' not in users


def test_restart_between_runs_and_wait_timeout(server):
    """Run 1 provisions; the server is killed; a connection check with
    wait_timeout is started while it is down and must succeed once the server
    is back (same ports, same data); run 2 then converges with no change."""
    playbook('faults_converge.yml', server_vars(server, run=1))

    # stop() would delete the data: kill the process only, keeping ports and data.
    server._kill()  # pylint: disable=protected-access
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            started = time.monotonic()
            waiting = pool.submit(playbook, 'faults_wait.yml', server_vars(server, wait_seconds=90),
                                  timeout=150)
            time.sleep(3)
            server.start()
            ready_after = time.monotonic() - started
            run = waiting.result(timeout=150)
            waited = time.monotonic() - started
    finally:
        server.start()   # no-op when running; never leave the fixture server down
    assert 'WAIT_RESULT attempts=' in run.output
    # It returned soon after the server was ready, not at wait_timeout.
    assert waited < ready_after + 15, (waited, ready_after)

    playbook('faults_converge.yml', server_vars(server, run=2))
    users, dummy = snapshot(server)
    assert users['restart_a'] == ['db_ro'] and users['restart_b'] == ['db_rw']


class _NoServer:
    """Enough of LocalMilvus for server_vars() when nothing listens."""

    def __init__(self, port):
        self.uri = 'http://127.0.0.1:%d' % port
        self.root_password = 'unused-' + 'x' * 8
        self.tls_mode = 0

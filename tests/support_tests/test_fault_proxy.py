"""Tests of tools/fault_proxy.py, the misbehaving TCP proxy of the network
tests, against a small echo server on loopback (no Milvus needed)."""

import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
TOOL = os.path.join(REPO, 'tools', 'fault_proxy.py')

_spec = importlib.util.spec_from_file_location('fault_proxy', TOOL)
fault_proxy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fault_proxy)
FaultProxy = fault_proxy.FaultProxy


@pytest.fixture
def echo():
    """An echo server on a free loopback port; yields the port."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(16)
    stop = threading.Event()

    def handle(conn):
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                conn.sendall(data)

    def serve():
        while not stop.is_set():
            try:
                conn, dummy = listener.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.shutdown(socket.SHUT_RDWR)     # wakes the accept() (close() alone does not)
        listener.close()
        thread.join(5)


def connect(proxy):
    sock = socket.create_connection(('127.0.0.1', proxy.port), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def round_trip(sock, data=b'ping'):
    started = time.monotonic()
    sock.sendall(data)
    received = b''
    while len(received) < len(data):
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionResetError('closed')
        received += chunk
    assert received == data
    return time.monotonic() - started


def assert_cut_at_once(proxy):
    """The connection is reset on accept (the reset may even beat connect())."""
    with pytest.raises(OSError):
        with connect(proxy) as sock:
            round_trip(sock)


def until_cut(sock, seconds=5):
    """Seconds until the connection is cut while pinging it; the error seen."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            round_trip(sock)
        except OSError as exc:
            return time.monotonic() - started, exc
        time.sleep(0.01)
    raise AssertionError('not cut within %s s' % seconds)


def test_passes_data_through_unchanged(echo):
    with FaultProxy(echo) as proxy, connect(proxy) as sock:
        assert proxy.uri == 'http://127.0.0.1:%d' % proxy.port
        payload = os.urandom(300000)
        assert round_trip(sock, payload) < 2
        assert proxy.accepted == 1 and proxy.cuts == 0


def test_delays_each_direction(echo):
    with FaultProxy(echo, delay_up=0.05, delay_down=0.1) as proxy, connect(proxy) as sock:
        assert proxy.rtt == pytest.approx(0.15)
        took = min(round_trip(sock) for dummy in range(3))
        assert 0.15 <= took < 0.3, took
        proxy.rtt = 0.0                 # changeable while it runs
        assert round_trip(sock) < 0.05


def test_latency_does_not_limit_throughput(echo):
    # 20 pipelined messages cost one round trip, not twenty.
    with FaultProxy(echo, rtt=0.1) as proxy, connect(proxy) as sock:
        started = time.monotonic()
        for dummy in range(20):
            sock.sendall(b'x' * 100)
        received = 0
        while received < 2000:
            received += len(sock.recv(65536))
        assert time.monotonic() - started < 0.5


def test_cuts_every_connection_after_some_seconds(echo):
    with FaultProxy(echo, cut_after_seconds=0.3) as proxy:
        for dummy in range(2):
            with connect(proxy) as sock:
                took, exc = until_cut(sock)
                assert 0.25 < took < 1.0, took
                assert isinstance(exc, ConnectionResetError)
        assert proxy.accepted == 2 and proxy.cuts == 2


def test_cuts_every_connection_after_some_bytes(echo):
    with FaultProxy(echo, cut_after_bytes=1000) as proxy, connect(proxy) as sock:
        round_trip(sock, b'a' * 200)           # 400 bytes both ways together
        with pytest.raises(OSError):
            round_trip(sock, b'b' * 600)       # crosses 1000
        assert proxy.cuts == 1


def test_cuts_the_first_connections_at_once(echo):
    with FaultProxy(echo, cut_first=2) as proxy:
        for dummy in range(2):
            assert_cut_at_once(proxy)
        with connect(proxy) as sock:
            round_trip(sock)
        assert (proxy.accepted, proxy.cuts, proxy.cut_next) == (3, 2, 0)
        proxy.cut_next = 1                      # and again, later
        assert_cut_at_once(proxy)


def test_close_mode_sends_fin_instead_of_reset(echo):
    with FaultProxy(echo, cut_first=1, cut_mode='close') as proxy, connect(proxy) as sock:
        assert sock.recv(10) == b''             # an orderly end of stream, no ConnectionResetError


def test_nothing_behind_the_proxy(echo):
    with FaultProxy(None) as proxy:
        for dummy in range(3):
            assert_cut_at_once(proxy)
        assert proxy.accepted == proxy.cuts == 3


def test_cut_all_and_stop_leave_nothing_open(echo):
    proxy = FaultProxy(echo).start()
    sock = connect(proxy)
    round_trip(sock)
    proxy.cut_all()
    with pytest.raises(OSError):
        round_trip(sock)
        round_trip(sock)
    sock.close()
    port = proxy.port
    proxy.stop()
    proxy.stop()                                # idempotent
    with pytest.raises(OSError):
        socket.create_connection(('127.0.0.1', port), timeout=1).close()
    assert not [t for t in threading.enumerate() if t.name == 'fault-proxy']


def test_command_line(echo):
    proc = subprocess.Popen([sys.executable, TOOL, '--target', '127.0.0.1:%d' % echo, '--rtt-ms', '20'],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        line = proc.stdout.readline().decode()
        assert line.startswith('listening on http://127.0.0.1:'), line
        port = int(line.split()[2].rsplit(':', 1)[1])
        with socket.create_connection(('127.0.0.1', port), timeout=5) as sock:
            assert 0.02 <= round_trip(sock) < 0.5
    finally:
        proc.terminate()
        proc.wait(10)

"""Tests of tools/milvus_local.py, the local Milvus launcher used by the integration tests.

They start real Milvus 2.3.5 servers (a few seconds each) on free ports and
leave nothing running, whether they pass or fail.
"""

import importlib.util
import json
import logging
import os
import subprocess
import sys
import time

import pytest

pytest.importorskip('milvus')
pymilvus = pytest.importorskip('pymilvus')

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
TOOL = os.path.join(REPO, 'tools', 'milvus_local.py')

_spec = importlib.util.spec_from_file_location('milvus_local', TOOL)
milvus_local = importlib.util.module_from_spec(_spec)
sys.modules.setdefault('milvus_local', milvus_local)
_spec.loader.exec_module(milvus_local)

for _name in ('pymilvus', 'pymilvus.decorators'):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


def _client(srv, user='root', password=None, timeout=10, **kwargs):
    args = srv.tls_client_kwargs()
    args.update(kwargs)
    return pymilvus.MilvusClient(srv.uri, user=user,
                                 password=srv.root_password if password is None else password,
                                 dedicated=True, timeout=timeout, **args)


def _assert_gone(pids, ports, base_dir):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(milvus_local._pid_alive(p) for p in pids):
        time.sleep(0.1)
    assert not [p for p in pids if milvus_local._pid_alive(p)]
    busy = [p for p in ports if not milvus_local._port_is_free(p)]
    assert not busy, 'ports still bound: %s' % busy
    assert base_dir is None or not os.path.exists(base_dir)


@pytest.fixture
def servers():
    started = []
    try:
        yield started
    finally:
        for srv in started:
            srv.stop()


def test_two_servers_pause_restart_and_cleanup(servers):
    plain = milvus_local.LocalMilvus(root_password='Plain-pass-1', max_user_num=500)
    servers.append(plain)
    plain.start()
    mtls = milvus_local.LocalMilvus(tls_mode=2)
    servers.append(mtls)
    mtls.start()

    assert plain.uri == 'http://127.0.0.1:%d' % plain.port
    assert mtls.uri == 'https://localhost:%d' % mtls.port
    assert not set(plain.ports.values()) & set(mtls.ports.values())
    assert plain.root_password == 'Plain-pass-1'
    assert plain.env() == {'ZILLIZ_URI': plain.uri, 'ZILLIZ_USER': 'root',
                           'ZILLIZ_PASSWORD': 'Plain-pass-1'}
    for path in (mtls.ca_cert_path, mtls.server_cert_path, mtls.client_cert_path,
                 mtls.client_key_path, mtls.wrong_ca_cert_path):
        assert os.path.isfile(path)

    # Both answer at once.
    client = _client(plain)
    client.create_user('survivor', 'Survivor-1', timeout=5)
    tls_client = _client(mtls)
    assert tls_client.get_server_version(timeout=5)
    tls_client.close()

    # Authentication is on: the old default password no longer works.
    with pytest.raises(pymilvus.MilvusException):
        _client(plain, password='Milvus', timeout=5).close()
    # Mutual TLS: a client that trusts another CA is refused.
    with pytest.raises(pymilvus.MilvusException):
        _client(mtls, timeout=3, ca_pem_path=mtls.wrong_ca_cert_path).close()

    # pause(): the server accepts TCP but never answers; resume() recovers.
    plain.pause()
    try:
        t0 = time.monotonic()
        with pytest.raises(Exception):
            client.get_server_version(timeout=1.5)
        assert time.monotonic() - t0 >= 1.0
    finally:
        plain.resume()
    assert client.get_server_version(timeout=10)
    client.close()

    # restart(): same port, same data, same root password.
    old_pid, port = plain.pid, plain.port
    plain.restart()
    assert plain.pid != old_pid and plain.port == port
    assert not milvus_local._pid_alive(old_pid)
    client = _client(plain)
    assert 'survivor' in client.list_users(timeout=5)
    client.close()

    # stop(): nothing left, ports free, temp dirs gone; stop() is idempotent.
    for srv in (plain, mtls):
        pid, ports, base_dir = srv.pid, list(srv.ports.values()), srv.base_dir
        srv.stop()
        srv.stop()
        _assert_gone([pid], ports, base_dir)
        assert not os.path.exists('/tmp/milvus/server_id_%d' % pid)


def test_cli_start_status_stop(tmp_path):
    state = tmp_path / 'state.json'
    pw_file = tmp_path / 'pw'
    pw_file.write_text('Cli-pass-123\n')
    cmd = [sys.executable, TOOL]
    env = dict(os.environ)
    env.pop('MILVUS_LOCAL_ROOT_PASSWORD', None)
    try:
        res = subprocess.run(cmd + ['start', '--state-file', str(state), '--root-password-file',
                                    str(pw_file)], capture_output=True, text=True, timeout=120,
                             env=env, check=False)
        assert res.returncode == 0, res.stderr
        info = json.loads(state.read_text())
        assert res.stdout.strip() == info['uri']
        assert 'Cli-pass-123' not in state.read_text()
        assert milvus_local._pid_alive(info['pid'])

        res = subprocess.run(cmd + ['status', '--state-file', str(state)], capture_output=True,
                             text=True, timeout=30, check=False)
        assert res.returncode == 0 and 'running' in res.stdout

        client = pymilvus.MilvusClient(info['uri'], user='root', password='Cli-pass-123',
                                       dedicated=True, timeout=10)
        assert client.get_server_version(timeout=5)
        client.close()
    finally:
        res = subprocess.run(cmd + ['stop', '--state-file', str(state)], capture_output=True,
                             text=True, timeout=60, check=False)
    assert res.returncode == 0, res.stderr
    _assert_gone([info['pid']], info['ports'].values(), info['base_dir'])
    assert not state.exists()
    # Stopping again is fine.
    res = subprocess.run(cmd + ['stop', '--state-file', str(state)], capture_output=True,
                         text=True, timeout=60, check=False)
    assert res.returncode == 0

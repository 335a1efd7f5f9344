"""Tests of tools/milvus_model itself: the Python API, the command line, the
rules table, and the behaviours that only newer profiles have (each checked
against what the source it cites says)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import model_driver as d  # noqa: E402  pylint: disable=wrong-import-position
from milvus_model import PROFILES, RULES, ModelMilvus  # noqa: E402  pylint: disable=wrong-import-position

TOOL = os.path.join(d.REPO, 'tools', 'milvus_model')
PASSWORD = 'Model-pass: 1'


def _port_free(port):
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(('127.0.0.1', port))
        except OSError:
            return False
    return True


def test_every_rule_has_a_source_and_a_value_for_every_profile():
    for name, rule in RULES.items():
        assert rule.text and rule.source, name
        assert set(rule.values) == set(PROFILES), name


def test_starts_fast_and_logs_in(tmp_path):
    started = time.monotonic()
    with ModelMilvus('2.5.27', root_password=PASSWORD) as srv:
        assert time.monotonic() - started < 1.0
        driver = d.Driver(srv.uri)
        assert driver.call('Connect', d.milvus_pb2.ConnectRequest(), 'root', PASSWORD)[0]['outcome'] == 'ok'
        assert driver.call('Connect', d.milvus_pb2.ConnectRequest(), 'root', 'wrong')[0]['outcome'] == \
            'UNAUTHENTICATED'
        driver.close()
        port = srv.port
    assert _port_free(port)


def test_dies_with_the_process_that_started_it():
    code = ('import sys, time; sys.path.insert(0, %r); from milvus_model import ModelMilvus; '
            'srv = ModelMilvus("2.6.18").start(); print(srv.port, flush=True); time.sleep(60)'
            % os.path.join(d.REPO, 'tools'))
    proc = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline())
    assert not _port_free(port)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 5
    while not _port_free(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _port_free(port)


def test_command_line_start_status_stop(tmp_path):
    state_file = str(tmp_path / 'model.json')
    env = dict(os.environ, MILVUS_MODEL_ROOT_PASSWORD=PASSWORD)
    out = subprocess.run([sys.executable, TOOL, 'start', '--profile', 'zilliz-cloud', '--state-file', state_file],
                         env=env, capture_output=True, text=True, timeout=30, check=True)
    try:
        state = json.load(open(state_file, encoding='utf-8'))
        assert out.stdout.strip() == state['uri']
        assert PASSWORD not in open(state_file, encoding='utf-8').read()
        assert state['login_user'] == 'db_admin' and state['profile'] == 'zilliz-cloud'
        status = subprocess.run([sys.executable, TOOL, 'status', '--state-file', state_file], capture_output=True,
                                text=True, timeout=30, check=False)
        assert status.returncode == 0 and status.stdout.startswith('running')
        driver = d.Driver(state['uri'])
        observation, response = driver.call('GetVersion', d.milvus_pb2.GetVersionRequest(), 'db_admin', PASSWORD)
        driver.close()
        assert observation['outcome'] == 'ok'
        assert 'Zilliz Cloud' in response.version and 'Compatible with Milvus 2.5' in response.version
    finally:
        subprocess.run([sys.executable, TOOL, 'stop', '--state-file', state_file], timeout=30, check=True)
    assert not os.path.exists(state_file)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(state['pid'], 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail('the model process outlived stop')


@pytest.fixture
def call():
    servers, drivers = [], []

    def factory(profile):
        srv = ModelMilvus(profile, root_password=PASSWORD).start()
        servers.append(srv)
        driver = d.Driver(srv.uri)
        drivers.append(driver)
        login = srv.login_user
        return lambda method, request, user=login, password=PASSWORD: driver.call(method, request, user, password)

    yield factory
    for driver in drivers:
        driver.close()
    for srv in servers:
        srv.stop()


@pytest.mark.parametrize('profile', ['2.4.23', '2.5.27', '2.6.18'])
def test_drop_role_refused_while_a_grant_sits_in_a_dropped_database(call, profile):
    """2.4+ CheckIfDropRole lists the grants of every database (ListGrant "*"); force_drop drops anyway."""
    rpc = call(profile)
    assert rpc('CreateDatabase', d.milvus_pb2.CreateDatabaseRequest(db_name='gone'))[0]['outcome'] == 'ok'
    assert rpc('CreateRole', d.role('r'))[0]['outcome'] == 'ok'
    assert rpc('OperatePrivilege', d.privilege('r', 'Collection', '*', 'Search', 'gone'))[0]['outcome'] == 'ok'
    assert rpc('DropDatabase', d.milvus_pb2.DropDatabaseRequest(db_name='gone'))[0]['outcome'] == 'ok'
    observation, response = rpc('SelectGrant', d.grants('r', '*'))
    assert [(e.db_name, e.grantor.privilege.name) for e in response.entities] == [('gone', 'Search')]
    assert rpc('DropRole', d.drop_role('r'))[0] == {'outcome': 'refused', 'code': 65535, 'class': 'has_privileges'}
    assert rpc('DropRole', d.drop_role('r', force=True))[0]['outcome'] == 'ok'
    assert rpc('CreateRole', d.role('r'))[0]['outcome'] == 'ok'
    assert not rpc('SelectGrant', d.grants('r', '*'))[1].entities


def test_aliases_resolve_on_2_6_only(call):
    """2.6.12+ resolveAliasForPrivilege (commit e836a446bb); 2.5 stores the alias."""
    for profile, expected in (('2.6.18', 'orders'), ('2.5.27', 'orders_alias')):
        rpc = call(profile)
        assert rpc('CreateCollection', d.milvus_pb2.CreateCollectionRequest(collection_name='orders'))[0] == \
            {'outcome': 'ok'}
        assert rpc('CreateAlias', d.milvus_pb2.CreateAliasRequest(collection_name='orders', alias='orders_alias'))[
            0] == {'outcome': 'ok'}
        assert rpc('CreateRole', d.role('r'))[0]['outcome'] == 'ok'
        assert rpc('OperatePrivilege', d.privilege('r', 'Collection', 'orders_alias', 'Search'))[0]['outcome'] == 'ok'
        assert rpc('OperatePrivilegeV2', d.privilege_v2('r', 'CollectionReadOnly', 'default', 'orders_alias'))[0][
            'outcome'] == 'ok'
        names = set(e.object_name for e in rpc('SelectGrant', d.grants('r', 'default'))[1].entities)
        assert names == {expected}, profile


def test_v2_items_filed_under_the_servers_object_type(call):
    """util.GetObjectType: privileges under their table's type, groups and unknown names under Global."""
    rpc = call('2.5.27')
    rpc('CreateRole', d.role('r'))
    for priv in ('Search', 'CollectionReadOnly', 'ListDatabases'):
        assert rpc('OperatePrivilegeV2', d.privilege_v2('r', priv, 'default', '*'))[0]['outcome'] == 'ok', priv
    assert rpc('OperatePrivilegeV2', d.privilege_v2('r', 'Serch', 'default', '*'))[0]['class'] == 'privilege_name'
    grants = dict((e.grantor.privilege.name, e.object.name) for e in rpc('SelectGrant', d.grants('r'))[1].entities)
    assert grants == {'Search': 'Collection', 'CollectionReadOnly': 'Global', 'ListDatabases': 'Global'}


def test_user_names_and_limits_by_version(call):
    """ValidateUsername ("-" and "." on 2.6, commit 1bd66b09e3); AddCredential order (limit first on 2.4/2.5)."""
    for profile, accepted, order in (('2.5.27', False, 'user_limit'), ('2.6.18', True, 'exists')):
        srv = ModelMilvus(profile, root_password=PASSWORD, max_user_num=2).start()
        driver = d.Driver(srv.uri)

        def create(name, driver=driver):
            return driver.call('CreateCredential', d.credential(name, 'Password-1'), 'root', PASSWORD)[0]
        try:
            assert (create('a-b.c')['outcome'] == 'ok') is accepted, profile
            if not accepted:
                assert create('ab')['outcome'] == 'ok'
            assert create('ab' if not accepted else 'a-b.c')['class'] == order, profile
        finally:
            driver.close()
            srv.stop()


def test_phantom_empty_role_until_2_6_13(call):
    """milvus-io/milvus#46676: on 2.5, not on 2.6.18 (fixed by #46708 + #48133)."""
    for profile, phantom in (('2.5.27', True), ('2.6.18', False)):
        rpc = call(profile)
        for name in ('pfx', 'pfx2'):
            rpc('CreateCredential', d.credential(name, 'Password-1'))
        rpc('OperateUserRole', d.user_role('pfx2', 'public'))
        roles = dict(d.read_back('SelectUser', rpc('SelectUser', d.users())[1]))
        assert ('' in roles['pfx']) is phantom, profile


def test_zilliz_cloud_builtin_roles_and_gaps(call):
    rpc = call('zilliz-cloud')
    names = [r.role.name for r in rpc('SelectRole', d.roles(False))[1].results]
    assert names == ['db_admin', 'db_rw', 'db_ro']
    assert rpc('CreateRole', d.role('custom'))[0]['outcome'] == 'ok'
    assert rpc('OperatePrivilegeV2', d.privilege_v2('custom', 'CollectionReadOnly', 'default', '*'))[0] == \
        {'outcome': 'ok'}
    for observation in (rpc('OperatePrivilegeV2', d.privilege_v2('custom', 'Search', 'default', '*'))[0],
                        rpc('OperatePrivilege', d.privilege('custom', 'Collection', '*', 'Search'))[0],
                        rpc('DropRole', d.drop_role('db_rw'))[0],
                        rpc('DeleteCredential', d.milvus_pb2.DeleteCredentialRequest(username='db_admin'))[0]):
        assert observation == {'outcome': 'UNIMPLEMENTED', 'class': 'gap'}
    # An API key: not modelled for Zilliz Cloud; refused by Milvus, which serves none here.
    for profile, expected in (('zilliz-cloud', 'gap'), ('2.6.18', 'auth')):
        srv = ModelMilvus(profile).start()
        driver = d.Driver(srv.uri)
        try:
            assert driver.call('Connect', d.milvus_pb2.ConnectRequest(), token='an-api-key')[0]['class'] == expected
        finally:
            driver.close()
            srv.stop()

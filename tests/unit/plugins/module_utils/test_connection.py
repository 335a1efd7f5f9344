"""Connection-layer logic that needs no server."""

import subprocess
import sys

import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils import _connection as C


# .../ansible_collections/zilliz/cloud/plugins/module_utils/_connection.py
COLLECTIONS_ROOT = str(__import__('pathlib').Path(C.__file__).parents[5])


def test_protos_load_without_the_rest_of_pymilvus():
    code = ('import sys; sys.path.insert(0, %r)\n'
            'from ansible_collections.zilliz.cloud.plugins.module_utils import _connection as C\n'
            'assert C.HAS_PYMILVUS\n'
            'assert "pandas" not in sys.modules and "numpy" not in sys.modules\n'
            'import pymilvus\n'                      # a later real import still works
            'assert hasattr(pymilvus, "MilvusClient")\n' % COLLECTIONS_ROOT)
    subprocess.run([sys.executable, '-c', code], check=True)


def test_status_check():
    ok = C.common_pb2.Status()
    C._check_status(ok)
    with pytest.raises(C.ServerRefusal) as info:
        C._check_status(C.common_pb2.Status(code=1400, reason='old password not correct'))
    assert info.value.code == 1400 and 'old password' in info.value.message
    legacy = C.common_pb2.Status(error_code=C.common_pb2.ErrorCode.Value('PermissionDenied'), reason='denied')
    with pytest.raises(C.ServerRefusal) as info:
        C._check_status(legacy)
    assert info.value.code == 1401


@pytest.mark.parametrize('params, expected', [
    ({'login_user': 'db_admin', 'token': None}, 'db_admin'),
    ({'login_user': None, 'token': 'root:pw:with:colons'}, 'root'),
    ({'login_user': None, 'token': 'api-key-without-colon'}, None),
    ({}, None),
])
def test_login_identity(params, expected):
    assert C.login_identity(params) == expected


def base(**kwargs):
    params = dict(uri='http://localhost:19530', token=None, login_user=None, login_password=None, secure=None,
                  ca_cert=None, server_name=None, client_cert=None, client_key=None, timeout=10.0)
    params.update(kwargs)
    return params


def test_connection_problems(tmp_path):
    assert C.connection_problems(base()) == []
    assert 'needs login_password' in C.connection_problems(base(login_user='root'))[0]
    assert 'timeout' in C.connection_problems(base(timeout=0))[0]
    assert 'ca_cert' in C.connection_problems(base(ca_cert='/nonexistent.pem'))[0]
    assert C.connection_problems(base(ca_cert='-----BEGIN CERTIFICATE-----\nabc')) == []
    assert 'client_cert' in C.connection_problems(base(client_cert=str(tmp_path / 'x'), client_key=None))[0]


@pytest.mark.parametrize('uri, secure, address', [
    ('https://in01-x.vectordb.zillizcloud.com:19530', True, 'in01-x.vectordb.zillizcloud.com:19530'),
    ('https://in03-x.serverless.cloud.zilliz.com', True, 'in03-x.serverless.cloud.zilliz.com:443'),
    ('http://localhost', False, 'localhost:19530'),
    ('tcp://[::1]:1234', False, '[::1]:1234'),
])
def test_address_and_tls_default(uri, secure, address):
    conn = C.Connection(base(uri=uri))
    assert conn._secure() is secure
    assert conn._address() == address
    assert C.Connection(base(uri=uri, secure=not secure))._secure() is (not secure)


def test_error_messages_never_hold_secrets():
    conn = C.Connection(base(login_user='root', login_password='Sup3r:secret'))
    error = conn.error(C.ServerRefusal(65535, 'bad things for Sup3r:secret'), 'do a thing')
    assert 'Sup3r:secret' not in error.msg and error.category == 'server_error'
    error = conn.error(C.ServerRefusal(1401, 'denied'), 'list users')
    assert error.category == 'forbidden' and "user 'root'" in error.msg


def test_user_roles_drop_the_phantom_empty_role():
    # What Milvus 2.3.5 answers for users pfx, pfx2 (role rr) and pfx22 (role rr2).
    response = C.milvus_pb2.SelectUserResponse()
    for name, roles in (('pfx', ['', '']), ('pfx2', ['rr', '']), ('pfx22', ['rr2']), ('root', [])):
        result = response.results.add()
        result.user.name = name
        for role in roles:
            result.roles.add().name = role
    assert C.user_roles(response.results) == {'pfx': set(), 'pfx2': {'rr'}, 'pfx22': {'rr2'}, 'root': set()}

"""Guards: no clear-text credentials to remote hosts, no users managed on
serverless clusters, no self-lockout of the login user. Pure logic."""

import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils._connection import connection_problems
from ansible_collections.zilliz.cloud.plugins.module_utils._users import (
    Action, ClusterState, DROP_USER, SubjectPlan, admin_roles, build_requests, plan_users, protected_users,
    self_lockout_problems,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._validation import (
    access_management_problems, cleartext_problems, cleartext_warning, is_loopback_host, is_serverless_uri,
    uses_tls,
)

DEDICATED = 'in01-abc123.aws-us-west-2.vectordb.zillizcloud.com'
SERVERLESS_URIS = [
    'https://in03-abc123.serverless.gcp-us-west1.cloud.zilliz.com',
    'https://in03-abc123.serverless.aws-eu-central-1.vectordb.zillizcloud.com',
    'https://IN03-ABC.SERVERLESS.gcp-us-west1.cloud.zilliz.com:443',
]


# ----- Zilliz Cloud over http -------------------------------------------------

@pytest.mark.parametrize('uri, secure', [
    ('http://%s:19530' % DEDICATED, None),
    ('http://%s:19530' % DEDICATED, True),      # http:// says plain text, whatever secure says
    ('https://%s:19530' % DEDICATED, False),
    ('tcp://%s:19530' % DEDICATED, None),
    ('http://in01-x.api.gcp-us-west1.zillizcloud.com:19530', None),
    ('http://in03-x.serverless.gcp-us-west1.cloud.zilliz.com', None),
    ('http://in01-x.ali-cn-hangzhou.vectordb.zilliz.com.cn:19530', None),
])
def test_zilliz_cloud_without_tls_is_refused(uri, secure):
    problems = cleartext_problems(uri, secure)
    assert len(problems) == 1
    assert 'https://' in problems[0] and 'clear text' in problems[0]
    assert ('secure=false' in problems[0]) == (secure is False)


@pytest.mark.parametrize('uri, secure', [
    ('https://%s:19530' % DEDICATED, None),
    ('https://%s:19530' % DEDICATED, True),
    ('tcp://%s:19530' % DEDICATED, True),
    ('http://milvus.internal:19530', None),          # not Zilliz Cloud: a warning, not a refusal
    ('http://zillizcloud.com.evil.example:19530', None),
])
def test_tls_or_other_hosts_are_not_refused(uri, secure):
    assert cleartext_problems(uri, secure) == []


def test_connection_problems_refuse_zilliz_cloud_over_http():
    problems = connection_problems(dict(uri='http://%s:19530' % DEDICATED))
    assert len(problems) == 1 and 'Use https://%s:19530' % DEDICATED in problems[0]


def test_connection_problems_report_a_bad_uri_once():
    assert connection_problems(dict(uri='http://%s:99999' % DEDICATED)) == [
        'uri has an invalid port: use scheme://host:port with a numeric port']


@pytest.mark.parametrize('uri, secure, expected', [
    ('https://h:1', None, True), ('http://h:1', None, False), ('tcp://h:1', None, False),
    ('HTTPS://h:1', None, True), ('http://h:1', True, True), ('https://h:1', False, False), (None, None, False),
])
def test_uses_tls(uri, secure, expected):
    assert uses_tls(uri, secure) is expected


# ----- remote hosts without TLS -----------------------------------------------

@pytest.mark.parametrize('host', [
    'localhost', 'LOCALHOST', 'localhost.', 'localhost.localdomain', 'milvus.localhost', 'ip6-localhost',
    '127.0.0.1', '127.1.2.3', '127.255.255.254', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1',
    '0.0.0.0', '::',
])
def test_loopback_hosts(host):
    assert is_loopback_host(host)


@pytest.mark.parametrize('host', [
    'milvus.internal', 'localhost.example.com', 'mylocalhost', 'localhostx', '10.0.0.5', '192.168.1.10',
    '128.0.0.1', '126.255.255.255', '::2', 'fe80::1', '2001:db8::1', '::ffff:10.0.0.1', '', None,
])
def test_remote_hosts(host):
    assert not is_loopback_host(host)


@pytest.mark.parametrize('uri, host', [
    ('http://milvus.internal:19530', 'milvus.internal'),
    ('http://Milvus.Internal:19530', 'milvus.internal'),
    ('tcp://10.0.0.5:19530', '10.0.0.5'),
    ('http://[2001:db8::1]:19530', '2001:db8::1'),
    ('http://[fe80::1]', 'fe80::1'),
    ('http://192.168.1.10', '192.168.1.10'),
])
def test_remote_host_without_tls_warns_naming_the_host(uri, host):
    warning = cleartext_warning(uri, None)
    assert warning and 'uri host %s ' % host in warning
    assert 'secure: false' in warning and 'clear text' in warning


@pytest.mark.parametrize('uri, secure', [
    ('http://milvus.internal:19530', False),         # said explicitly: plain text is intended
    ('http://milvus.internal:19530', True),
    ('https://milvus.internal:19530', None),
    ('http://localhost:19530', None),
    ('http://127.0.0.1:19530', None),
    ('http://[::1]:19530', None),
    ('tcp://127.0.0.2:19530', None),
    ('http://0.0.0.0:19530', None),
    ('http://%s:19530' % DEDICATED, None),           # refused instead
    ('milvus.internal:19530', None),                 # invalid uri: refused instead
    ('http://root:pw@milvus.internal:19530', None),  # invalid uri: refused instead
    (None, None),
])
def test_no_warning(uri, secure):
    assert cleartext_warning(uri, secure) is None


# ----- serverless clusters ----------------------------------------------------

@pytest.mark.parametrize('uri', SERVERLESS_URIS)
def test_serverless_endpoints_refuse_access_management(uri):
    assert is_serverless_uri(uri)
    problems = access_management_problems(uri)
    assert len(problems) == 1
    assert 'Dedicated clusters only' in problems[0] and 'API key' in problems[0]


@pytest.mark.parametrize('uri', [
    'https://%s:19530' % DEDICATED,
    'https://in01-serverless1.aws-us-west-2.vectordb.zillizcloud.com:19530',   # a label that only contains it
    'http://serverless.internal:19530',                                         # not Zilliz Cloud
    'http://localhost:19530',
])
def test_other_endpoints_allow_access_management(uri):
    assert not is_serverless_uri(uri)
    assert access_management_problems(uri) == []


# ----- no self-lockout ------------------------------------------------------------

STATE = ClusterState({'root': set(), 'ops': {'admin', 'db_ro'}, 'alice': {'admin'}, 'zc': {'db_admin', 'admin'}},
                     {'admin', 'public', 'db_ro', 'db_rw', 'db_admin'})
MILVUS = 'http://127.0.0.1:19530'
ZILLIZ = 'https://%s:19530' % DEDICATED


def plans_for(login_user='ops', exclusive=False, users=None, **single):
    params = dict(name=None, state='present', password=None, current_password=None, update_password='on_create',
                  roles=None, roles_mode='exact', users=users)
    params.update(single)
    return plan_users(build_requests(params), STATE, {}, exclusive, protected_users(login_user))


@pytest.mark.parametrize('roles, mode', [
    (['public'], 'exact'),
    ([], 'exact'),
    (['db_ro'], 'exact'),
    (['admin'], 'remove'),
    (['admin', 'db_ro'], 'remove'),
])
def test_login_user_may_not_revoke_its_admin_role(roles, mode):
    problems = self_lockout_problems(plans_for(name='ops', roles=roles, roles_mode=mode), 'ops', MILVUS)
    assert len(problems) == 1
    assert 'revoke role admin from user ops, the user this task is connected as' in problems[0]
    assert 'another admin user' in problems[0]


@pytest.mark.parametrize('roles, mode', [
    (['public'], 'append'),          # adding roles to itself stays allowed
    (['admin', 'public'], 'exact'),
    (['db_ro'], 'remove'),           # removing another role is fine
    (None, 'exact'),                 # roles left alone
])
def test_login_user_may_change_its_other_roles(roles, mode):
    plans = plans_for(name='ops', roles=roles, roles_mode=mode)
    assert self_lockout_problems(plans, 'ops', MILVUS) == []


def test_own_password_rotation_is_allowed():
    plans = [SubjectPlan('ops', 'password', [Action('update_password', 'ops')], {}, {})]
    assert self_lockout_problems(plans, 'ops', MILVUS) == []


def test_other_users_may_lose_admin():
    plans = plans_for(name='alice', roles=['public'])
    assert [str(a) for a in plans[0].actions] == ['grant_role:public', 'revoke_role:admin']
    assert self_lockout_problems(plans, 'ops', MILVUS) == []


def test_batch_names_the_login_user_once_per_role():
    users = [dict(name='alice', roles=[]), dict(name='zc', roles=['public'])]
    problems = self_lockout_problems(plans_for(users=users), 'zc', ZILLIZ)
    assert len(problems) == 2
    assert 'revoke role admin from user zc' in problems[0] and 'revoke role db_admin from user zc' in problems[1]


def test_db_admin_is_guarded_on_zilliz_cloud_only():
    assert admin_roles(ZILLIZ) == ('admin', 'db_admin')
    assert admin_roles(MILVUS) == ('admin',)
    plans = plans_for(name='zc', roles=['db_admin'], roles_mode='remove')
    assert len(self_lockout_problems(plans, 'zc', ZILLIZ)) == 1
    assert self_lockout_problems(plans, 'zc', MILVUS) == []    # on Milvus, db_admin is just a custom role


def test_exclusive_never_drops_the_login_user():
    plans = plans_for(login_user='ops', exclusive=True, users=[dict(name='alice', roles=['admin'])])
    dropped = sorted(a.subject for plan in plans for a in plan.actions if a.kind == DROP_USER)
    assert dropped == ['zc']                       # root is built in, ops is the login user
    assert self_lockout_problems(plans, 'ops', MILVUS) == []


def test_exclusive_with_the_login_user_listed_guards_its_roles():
    plans = plans_for(login_user='ops', exclusive=True, users=[dict(name='ops', roles=['public'])])
    problems = self_lockout_problems(plans, 'ops', MILVUS)
    assert len(problems) == 1 and 'revoke role admin from user ops' in problems[0]


def test_a_plan_dropping_the_login_user_is_refused():
    plans = [SubjectPlan('ops', 'absent', [Action(DROP_USER, 'ops')], {}, {}, listed=False)]
    problems = self_lockout_problems(plans, 'ops', MILVUS)
    assert len(problems) == 1 and 'refusing to drop user ops' in problems[0]


def test_unknown_login_identity_is_not_guessed():
    # An API key names no user: nothing to compare with.
    assert self_lockout_problems(plans_for(name='ops', roles=[]), None, MILVUS) == []

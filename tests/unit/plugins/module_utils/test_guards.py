"""Guards: no clear-text credentials to remote hosts, no users managed on
serverless clusters, no self-lockout of the login user. Pure logic."""

import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils._connection import connection_problems
from ansible_collections.zilliz.cloud.plugins.module_utils._server import detect
from ansible_collections.zilliz.cloud.plugins.module_utils._users import (
    Action, DROP_USER, SubjectPlan, UserState, build_requests, plan_users, protected_users, self_lockout_problems,
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

USERS = {'root': set(), 'ops': {'admin', 'db_ro'}, 'alice': {'admin'}, 'zc': {'db_admin', 'admin'}}
ROLES = {'admin', 'public', 'db_ro', 'db_rw', 'db_admin'}
MILVUS = 'http://127.0.0.1:19530'
ZILLIZ = 'https://%s:19530' % DEDICATED


def state_for(login_user, uri=MILVUS, version='v2.4.23', users=None, login_grants=None):
    return UserState(USERS if users is None else users, ROLES, detect(version, uri), login_user,
                     login_grants=login_grants)


def plans_for(login_user='ops', exclusive=False, users=None, state=None, **single):
    params = dict(name=None, state='present', password=None, current_password=None, update_password='on_create',
                  roles=None, roles_mode='exact', users=users)
    params.update(single)
    return plan_users(build_requests(params), state or state_for(login_user), {}, exclusive,
                      protected_users(login_user))


@pytest.mark.parametrize('roles, mode', [
    (['public'], 'exact'),
    ([], 'exact'),
    (['db_ro'], 'exact'),
    (['admin'], 'remove'),
    (['admin', 'db_ro'], 'remove'),
])
def test_login_user_may_not_revoke_its_admin_role(roles, mode):
    problems = self_lockout_problems(plans_for(name='ops', roles=roles, roles_mode=mode), state_for('ops'))
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
    assert self_lockout_problems(plans, state_for('ops')) == []


def test_own_password_rotation_is_allowed():
    plans = [SubjectPlan('ops', 'password', [Action('update_password', 'ops')], {}, {})]
    assert self_lockout_problems(plans, state_for('ops')) == []


def test_other_users_may_lose_admin():
    plans = plans_for(name='alice', roles=['public'])
    assert [str(a) for a in plans[0].actions] == ['grant_role:public', 'revoke_role:admin']
    assert self_lockout_problems(plans, state_for('ops')) == []


def test_batch_names_the_login_user_once_per_role():
    users = [dict(name='alice', roles=[]), dict(name='zc', roles=['public'])]
    problems = self_lockout_problems(plans_for(login_user='zc', users=users), state_for('zc', ZILLIZ))
    assert len(problems) == 2
    assert 'revoke role admin from user zc' in problems[0] and 'revoke role db_admin from user zc' in problems[1]


def test_db_admin_is_guarded_on_zilliz_cloud_only():
    assert state_for('zc', ZILLIZ).profile.admin_roles == ('admin', 'db_admin')
    assert state_for('zc', MILVUS).profile.admin_roles == ('admin',)
    plans = plans_for(login_user='zc', name='zc', roles=['db_admin'], roles_mode='remove')
    assert len(self_lockout_problems(plans, state_for('zc', ZILLIZ))) == 1
    # On Milvus, db_admin is just a custom role.
    assert self_lockout_problems(plans, state_for('zc', MILVUS)) == []


def test_db_admin_is_guarded_on_a_zilliz_cloud_known_by_its_answer():
    # A private endpoint: the uri says nothing, GetVersion does.
    state = UserState(USERS, ROLES, detect('Zilliz Cloud (Compatible with Milvus 2.5)', MILVUS), 'zc')
    plans = plans_for(login_user='zc', name='zc', roles=['db_admin'], roles_mode='remove')
    assert len(self_lockout_problems(plans, state)) == 1


def test_exclusive_never_drops_the_login_user():
    plans = plans_for(login_user='ops', exclusive=True, users=[dict(name='alice', roles=['admin'])])
    dropped = sorted(a.subject for plan in plans for a in plan.actions if a.kind == DROP_USER)
    assert dropped == ['zc']                       # root is built in, ops is the login user
    assert self_lockout_problems(plans, state_for('ops')) == []


def test_exclusive_with_the_login_user_listed_guards_its_roles():
    plans = plans_for(login_user='ops', exclusive=True, users=[dict(name='ops', roles=['public'])])
    problems = self_lockout_problems(plans, state_for('ops'))
    assert len(problems) == 1 and 'revoke role admin from user ops' in problems[0]


def test_a_plan_dropping_the_login_user_is_refused():
    plans = [SubjectPlan('ops', 'absent', [Action(DROP_USER, 'ops')], {}, {}, listed=False)]
    problems = self_lockout_problems(plans, state_for('ops'))
    assert len(problems) == 1 and 'refusing to drop user ops' in problems[0]


def test_unknown_login_identity_is_not_guessed():
    # An API key names no user: nothing to compare with.
    assert self_lockout_problems(plans_for(name='ops', roles=[]), state_for(None)) == []


# ----- the custom-role lockout guard: a login user whose own custom roles let it manage users -----

ALL = ('Global', '*', 'default', 'All')
SEARCH = ('Collection', '*', 'default', 'Search')
MGR_USERS = dict(USERS, mgr={'manager', 'reader'})
# What UserReconciler._login_grants reads: the grants of the roles it holds or is given, and public's.
MGR_GRANTS = {'manager': {ALL}, 'reader': {SEARCH}, 'db_ro': {SEARCH}, 'public': set()}


# mgr_state's default: mgr's grants as the server lists them (None means "not read").
_SERVER_GRANTS = object()


def mgr_state(login_grants=_SERVER_GRANTS):
    return state_for('mgr', users=MGR_USERS,
                     login_grants=MGR_GRANTS if login_grants is _SERVER_GRANTS else login_grants)


def mgr_plans(roles, mode='exact'):
    return plans_for(login_user='mgr', state=mgr_state(), name='mgr', roles=roles, roles_mode=mode)


@pytest.mark.parametrize('roles, mode', [([], 'exact'), (['reader'], 'exact'), (['db_ro'], 'exact'),
                                         (['manager'], 'remove')])
def test_a_login_user_may_not_lose_the_custom_role_that_lets_it_manage_users(roles, mode):
    problems = self_lockout_problems(mgr_plans(roles, mode), mgr_state())
    assert len(problems) == 1
    assert 'refusing to revoke role' in problems[0] and 'manager' in problems[0]
    assert 'from user mgr, the user this task is connected as' in problems[0]
    assert 'forbidden' in problems[0] and 'another admin user' in problems[0]


def test_the_custom_role_guard_names_only_the_roles_that_matter():
    # reader (Search only) is lost too, but gives no right to manage users: only manager is named.
    problems = self_lockout_problems(mgr_plans([]), mgr_state())
    assert 'refusing to revoke role manager from user mgr' in problems[0] and 'reader' not in problems[0]


@pytest.mark.parametrize('roles, mode', [(['manager'], 'exact'), (['manager', 'db_ro'], 'exact'),
                                         (['reader'], 'remove'), (['db_ro'], 'append')])
def test_a_login_user_may_keep_its_managing_custom_role(roles, mode):
    assert self_lockout_problems(mgr_plans(roles, mode), mgr_state()) == []


def test_the_custom_role_guard_names_every_role_lost():
    grants = dict(MGR_GRANTS, reader={('Global', '*', 'default', 'All')})   # either role is enough
    state = state_for('mgr', users=MGR_USERS, login_grants=grants)
    plans = plans_for(login_user='mgr', state=state, name='mgr', roles=[])
    problems = self_lockout_problems(plans, state)
    assert len(problems) == 1 and 'revoke roles manager, reader from user mgr' in problems[0]
    assert self_lockout_problems(plans_for(login_user='mgr', state=state, name='mgr', roles=['reader']), state) == []


def test_the_custom_role_guard_counts_public():
    # public's grants apply to every user: losing manager takes nothing away then.
    grants = dict(MGR_GRANTS, public={ALL})
    assert self_lockout_problems(mgr_plans([]), state_for('mgr', users=MGR_USERS, login_grants=grants)) == []


def test_without_the_grants_read_the_custom_role_guard_stays_out():
    # login_grants is None when observe did not read them: root, an admin, an API key, roles left alone.
    assert self_lockout_problems(mgr_plans([]), mgr_state(login_grants=None)) == []


def test_other_users_may_lose_a_managing_custom_role():
    users = dict(MGR_USERS, ann={'manager'})
    state = state_for('mgr', users=users, login_grants=MGR_GRANTS)
    plans = plans_for(login_user='mgr', state=state, name='ann', roles=[])
    assert self_lockout_problems(plans, state) == []


class GrantReader:
    """What UserReconciler._login_grants uses of a connection; records the SelectGrant scopes."""

    def __init__(self, user, grants=None):
        self.user = user
        self.grants = grants or {}
        self.asked = []
        self.listed_databases = 0

    def map(self, call, items):
        return [call(item) for item in items]

    def list_databases(self):
        self.listed_databases += 1
        return ['default', 'analytics']

    def role_grants(self, role, db_name):
        self.asked.append((role, db_name))
        return [key for key in self.grants.get(role, ()) if db_name in ('*', key[2])]


def login_grants(user, roles, users=None, version='v2.4.23', mode='exact'):
    from ansible_collections.zilliz.cloud.plugins.module_utils._users import UserReconciler
    params = dict(name=user, state='present', password=None, current_password=None, update_password='on_create',
                  roles=roles, roles_mode=mode, users=None, password_policy='milvus')
    conn = GrantReader(user, MGR_GRANTS)
    users = MGR_USERS if users is None else users
    return UserReconciler(params)._login_grants(conn, users, detect(version, MILVUS)), conn


@pytest.mark.parametrize('user, users', [('root', USERS), ('ops', USERS), ('alice', USERS)])
def test_root_and_admins_are_not_guarded_by_their_custom_roles(user, users):
    grants, conn = login_grants(user, [])
    assert grants is None and conn.asked == []


def test_the_login_users_roles_and_public_are_read_when_it_changes_its_own_roles():
    grants, conn = login_grants('mgr', ['db_ro'])
    assert sorted(conn.asked) == [('db_ro', '*'), ('manager', '*'), ('public', '*'), ('reader', '*')]
    assert grants['manager'] == {ALL} and conn.listed_databases == 0
    grants, conn = login_grants('mgr', ['db_ro'], version='2.3.5')
    assert conn.listed_databases == 1
    assert sorted(set(role for role, db in conn.asked)) == ['db_ro', 'manager', 'public', 'reader']
    assert sorted(set(db for role, db in conn.asked)) == ['analytics', 'default']


@pytest.mark.parametrize('roles, mode', [(None, 'exact'), (['manager'], 'append')])
def test_no_grants_are_read_when_the_login_user_keeps_its_roles(roles, mode):
    grants, conn = login_grants('mgr', roles, mode=mode)
    assert grants is None and conn.asked == []

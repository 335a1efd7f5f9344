"""The access_review filter: registered results per cluster -> one report. Pure."""

import json
import re

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.zilliz.cloud.plugins.filter.access_review import FilterModule, _matrix, access_review
from ansible_collections.zilliz.cloud.plugins.module_utils._access import effective_access, role_access

GRANTS = {'reader': {('Collection', 'orders', 'default', 'Search')},
          'public': {('Collection', '*', '*', 'IndexDetail')}}
USERS = {'ann': {'reader'}, 'boss': {'admin'}, 'root': set()}


def info(users=None):
    users = USERS if users is None else users
    return dict(changed=False, users=effective_access(users, GRANTS), roles=['admin', 'public', 'reader'],
                role_grants=role_access(users, ['admin', 'public', 'reader'], GRANTS), databases=['default'],
                invocation=dict(module_args=dict(login_password='VALUE_SPECIFIED_IN_NO_LOG_PARAMETER')))


ROLES_CHECK = dict(changed=True, roles=[
    dict(name='reader', actions=['grant:Collection:orders:Query@default', 'revoke:Collection:orders:Search@default']),
    dict(name='fresh', actions=['create_role', 'grant:Collection:*:Search@default']),
    dict(name='stray', actions=['revoke:Collection:*:Query@default', 'drop_role'], unlisted=True),
    dict(name='same', actions=[])])
USERS_CHECK = dict(changed=True, users=[
    dict(name='ann', actions=['grant_role:fresh', 'revoke_role:reader']),
    dict(name='new', actions=['create_user', 'grant_role:reader']),
    dict(name='etl', actions=['update_password']),
    dict(name='gone', actions=['drop_user']),
    dict(name='intruder', actions=['drop_user'], unlisted=True)])


def cluster(host, **kwargs):
    item = dict(host=host, uri='http://milvus.example:19530', info=info(), roles_check=dict(skipped=True),
                users_check=dict(skipped=True), declared_users=False, declared_roles=False)
    item.update(kwargs)
    return item


def test_drift_from_the_check_mode_results():
    data = access_review([cluster('prod', roles_check=ROLES_CHECK, users_check=USERS_CHECK, declared_users=True,
                                  declared_roles=True, roles_exclusive=True)])
    drift = [(d['kind'], d['subject'], d['change'], d['detail'], d['applied_by_cluster_users'])
             for d in data['clusters'][0]['drift']]
    assert drift == [
        ('grant', 'reader', 'missing', 'Collection:orders:Query@default', True),
        ('grant', 'reader', 'undeclared', 'Collection:orders:Search@default', True),
        ('role', 'fresh', 'missing', 'grant:Collection:*:Search@default', True),
        ('role', 'stray', 'undeclared', '', True),                      # roles exclusive: cluster_users drops it
        ('membership', 'ann', 'missing', 'fresh', True),
        ('membership', 'ann', 'undeclared', 'reader', True),
        ('user', 'new', 'missing', 'grant_role:reader', True),
        ('password', 'etl', 'differs', '', True),
        ('user', 'gone', 'present', '', True),
        ('user', 'intruder', 'undeclared', '', False),                  # users not exclusive: left alone
    ]
    assert data['clusters'][0]['summary'] == dict(users=3, roles=3, privileged=2, drift=10)


def test_unreachable_and_failed_checks_are_reported_and_the_others_reviewed():
    down = dict(failed=True, error_category='unreachable', msg='Cannot reach the server')
    forbidden = dict(failed=True, error_category='forbidden', msg='permission denied')
    half = cluster('c_half', users_check=forbidden, declared_users=True)
    data = access_review([cluster('b_down', info=down), cluster('a_ok'), half])
    assert [c['host'] for c in data['clusters']] == ['a_ok', 'b_down', 'c_half']
    ok, dead, half = data['clusters']
    assert ok['status'] == 'ok' and ok['error'] is None and ok['summary']['users'] == 3
    assert dead['status'] == 'unreachable' and dead['summary'] == dict(users=None, roles=None, privileged=None,
                                                                       drift=None)
    assert half['status'] == 'error' and half['drift_errors'] == [
        dict(category='forbidden', message='permission denied', check='users')]
    assert data['totals'] == dict(clusters=3, reviewed=2, unreachable=1, errors=1, users=6, privileged=4, drift=0)
    assert access_review([cluster('x', info=dict(skipped=True))])['clusters'][0]['status'] == 'error'


@pytest.mark.parametrize('uri, shown', [
    ('https://user:s3cret@in01-x.zillizcloud.com:19530/?token=t0ken#frag', 'https://in01-x.zillizcloud.com:19530'),
    ('http://[::1]:19530', 'http://[::1]:19530'),
    ('not a uri', '(not a valid URI)'),
    (None, None),
])
def test_the_uri_never_carries_a_credential(uri, shown):
    assert access_review([cluster('c', uri=uri)])['clusters'][0]['uri'] == shown


def test_matrix_columns_and_cells():
    matrix = _matrix(access_review([cluster('c')])['clusters'][0]['users'])
    assert matrix['columns'] == ['everything', 'all databases: all collections', 'default: orders']
    rows = dict((r['user'], r) for r in matrix['rows'])
    assert rows['ann']['cells'] == [[], [dict(privilege='IndexDetail', roles=['public'])],
                                    [dict(privilege='Search', roles=['reader'])]]
    assert rows['root']['cells'][0] == [dict(privilege='*', roles=['superuser'])] and rows['root']['privileged']


def test_renderings_escape_names_and_hold_no_invocation():
    evil = {'<b>x|y</b>': {'reader'}}
    data = access_review([cluster('h<1>', info=info(evil), roles_check=ROLES_CHECK, declared_roles=True)],
                         title='Q <4>', generated='2026-12-01 10:00 UTC')
    html = access_review(data, format='html')
    assert '&lt;b&gt;x|y&lt;/b&gt;' in html and '<b>x' not in html and '<title>Q &lt;4&gt;</title>' in html
    assert not re.search(r'<script|<link|<img|\bsrc=|url\(', html)
    markdown = access_review(data, format='markdown')
    assert '| &lt;b>x\\|y&lt;/b> |' in markdown and markdown.startswith('# Q &lt;4>\n')
    assert 'role stray: on the cluster, not declared; cluster_users leaves it (not exclusive)' in markdown
    small = access_review(data, format='summary')
    assert small['totals'] == data['totals'] and 'users' not in small['clusters'][0]
    assert small['clusters'][0]['drift'] == data['clusters'][0]['drift']
    text = access_review(data, format='json')
    assert json.loads(text) == data
    for rendering in (html, markdown, text):
        assert 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' not in rendering and 'invocation' not in rendering


def test_no_declared_lists_says_so():
    markdown = access_review([cluster('c')], format='markdown')
    assert 'No declared lists for this cluster: drift not checked.' in markdown
    matched = access_review([cluster('c', users_check=dict(users=[dict(name='ann', actions=[])]),
                                     declared_users=True)], format='markdown')
    assert 'None: the cluster matches the declared lists.' in matched


def test_bad_input():
    with pytest.raises(AnsibleFilterError, match='format must be one of'):
        access_review([], format='pdf')
    with pytest.raises(AnsibleFilterError, match='list of dicts with host'):
        access_review([dict(info={})])
    with pytest.raises(AnsibleFilterError, match='list of clusters'):
        access_review('prod')
    assert FilterModule().filters() == {'access_review': access_review}

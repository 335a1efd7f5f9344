"""Effective access (zilliz_user_info privileges=true) against what a real
server grants, and the zilliz.cloud.access_review playbook over two clusters
(one with hand-made drift, one on a closed port): exactly that drift, the
unreachable one reported, nothing changed on the server, no secret anywhere,
and the HTML page as a real headless browser shows it."""

import json
import re
import shutil
import socket
import subprocess
import tempfile

import pytest

from conftest import OUTPUT_DIR, SECRETS, playbook, register_secret, run_ansible, start_server, tail

PW = {key: register_secret(value) for key, value in {
    'ann': "Ar:ann @ 'one' é",
    'boss': 'Ar "boss" pw: @2',
    'nobody': 'Ar nobody: ñ @ x',
    'intruder': 'Ar intruder @ by hand',
}.items()}

DB2 = 'ar_db2'
ROLES = {
    'ar_reader': [('Collection', 'orders', 'Search', 'default'), ('Collection', '*', 'Query', DB2)],
    'ar_writer': [('Collection', 'orders', 'Insert', 'default'), ('Global', '*', 'CreateCollection', DB2)],
}
USERS = {'ann': ['ar_reader', 'ar_writer'], 'boss': ['admin'], 'nobody': []}
# Added to public by hand: every user holds it.
PUBLIC_GRANT = ('Collection', 'orders', 'Query', 'default')
# A password hash as bcrypt writes it (what the server stores): never in any output.
HASH_RE = re.compile(r'\$2[aby]\$\d\d\$[./A-Za-z0-9]{20,}')


def _item(grant):
    object_type, object_name, privilege, db_name = grant
    return {'object_type': object_type, 'object_name': object_name, 'privilege': privilege, 'db_name': db_name}


@pytest.fixture(scope='module')
def server():
    srv = start_server(roles=(), stop_grace=1)
    client = srv.client(user='root', password=srv.root_password)
    try:
        client.create_database(DB2, timeout=10)
        for role, grants in ROLES.items():
            client.create_role(role, timeout=10)
            for object_type, object_name, privilege, db_name in grants:
                client.grant_privilege(role, object_type, privilege, object_name, db_name=db_name, timeout=10)
        object_type, object_name, privilege, db_name = PUBLIC_GRANT
        client.grant_privilege('public', object_type, privilege, object_name, db_name=db_name, timeout=10)
        for name, roles in USERS.items():
            client.create_user(name, PW[name], timeout=10)
            for role in roles:
                client.grant_role(name, role, timeout=10)
    except BaseException:
        client.close()
        srv.stop()
        raise
    client.close()
    yield srv
    srv.stop()


def server_state(srv):
    """Everything the review could change, read with pymilvus directly: users with roles, roles, databases,
    and every role's grants in every database."""
    client = srv.client(user='root', password=srv.root_password)
    try:
        conn = client._get_connection()
        users = {g.username: sorted(g.roles) for g in conn.select_all_user(True, timeout=10).groups}
        roles = sorted(client.list_roles(timeout=10))
        databases = sorted(client.list_databases(timeout=10))
        grants = {}
        for role in roles:
            for db_name in databases:
                info = conn.select_grant_for_one_role(role, db_name, timeout=10)
                grants.setdefault(role, set()).update(
                    (g.object, g.object_name, g.db_name, g.privilege) for g in info.groups)
        return users, roles, databases, dict((r, sorted(g)) for r, g in grants.items())
    finally:
        client.close()


def read_info(srv, tmp_path, user=None):
    out = tmp_path / 'info.json'
    extra = {'zilliz_uri': srv.uri, 'root_password': srv.root_password, 'info_file': str(out)}
    if user:
        extra['info_user'] = user
    playbook('access_info.yml', extra, name='access_info')
    return json.loads(out.read_text(encoding='utf-8'))


def test_effective_access_matches_what_the_server_grants(server, tmp_path):
    users, dummy, databases, grants = server_state(server)
    assert databases == ['ar_db2', 'default']
    info = read_info(server, tmp_path)
    by_name = dict((u['name'], u) for u in info['users'])
    assert sorted(by_name) == sorted(users)
    for name, roles in users.items():
        # What the server says: the grants of each of the user's roles and of public, in every database.
        expected = set((role,) + tuple(g) for role in set(roles) | set(['public']) if role != 'admin'
                       for g in grants[role])
        got = by_name[name]['privileges']
        read = set((e['role'], e['object_type'], e['object_name'], e['db_name'], e['privilege']) for e in got
                   if e['object_type'] != '*')
        assert read == expected, name
        assert by_name[name]['roles'] == sorted(r for r in roles if r)
    # The user with two roles reaches two databases, through each role, and public's grants.
    ann = set((e['role'], e['db_name'], e['object_name'], e['privilege']) for e in by_name['ann']['privileges'])
    assert {('ar_reader', 'default', 'orders', 'Search'), ('ar_reader', DB2, '*', 'Query'),
            ('ar_writer', 'default', 'orders', 'Insert'), ('ar_writer', DB2, '*', 'CreateCollection'),
            ('public', 'default', 'orders', 'Query'), ('public', '*', '*', 'IndexDetail')} <= ann
    assert not by_name['ann']['privileged'] and not by_name['nobody']['privileged']
    assert set(r for r, d, o, p in ann) == {'ar_reader', 'ar_writer', 'public'}
    # admin: one entry of everything, flagged; root: the superuser.
    boss = by_name['boss']
    assert boss['privileged'] and 'admin_role' in boss['sweeping']
    assert [e for e in boss['privileges'] if e['object_type'] == '*'] == [
        {'role': 'admin', 'privilege': '*', 'object_type': '*', 'object_name': '*', 'db_name': '*',
         'sweeping': ['admin_role', 'any_database', 'any_object', 'any_privilege', 'manages_access']}]
    assert by_name['root']['privileged'] and 'superuser' in by_name['root']['sweeping']
    # Every role's grants, members included (public: every user).
    roles = dict((r['name'], r) for r in info['role_grants'])
    assert roles['ar_reader']['users'] == ['ann'] and roles['public']['users'] == sorted(users)
    # In the server's order, which Milvus 2.3.5 does not keep (seen both ways).
    assert len(roles['ar_reader']['privileges']) == 2 and sorted(info['databases']) == ['ar_db2', 'default']

    # One user: its roles and public only.
    one = read_info(server, tmp_path, user='ann')
    assert [u['name'] for u in one['users']] == ['ann'] and one['users'][0] == by_name['ann']
    assert sorted(r['name'] for r in one['role_grants']) == ['ar_reader', 'ar_writer', 'public']


def free_closed_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


DECLARED_ROLES = [
    {'name': 'ar_reader', 'privileges': [_item(g) for g in ROLES['ar_reader']]},
    {'name': 'ar_writer', 'privileges': [_item(g) for g in ROLES['ar_writer']]},
    {'name': 'ar_missing', 'privileges': [_item(('Collection', '*', 'Search', 'default'))]},
]


def write_inventory(tmp_path, srv):
    accounts = [{'name': name, 'password': PW[name], 'roles': roles} for name, roles in USERS.items()]
    inventory = {'all': {'children': {'zilliz_clusters': {'hosts': {
        'ar_drifted': {'cluster_users_uri': srv.uri, 'cluster_users_roles': DECLARED_ROLES,
                       'cluster_users_accounts': accounts, 'cluster_users_timeout': 30},
        'ar_down': {'cluster_users_uri': 'http://127.0.0.1:%d' % free_closed_port(), 'cluster_users_timeout': 3},
    }, 'vars': {'cluster_users_login_user': 'root'}}}}}
    path = tmp_path / 'inventory.json'
    # JSON is YAML: the inventory plugin reads it. The login password comes as an extra var.
    path.write_text(json.dumps(inventory), encoding='utf-8')
    return path


def drift_by_hand(srv):
    client = srv.client(user='root', password=srv.root_password)
    try:
        client.create_user('ar_intruder', PW['intruder'], timeout=10)
        client.revoke_privilege('ar_reader', 'Collection', 'Search', 'orders', db_name='default', timeout=10)
    finally:
        client.close()


def chromium():
    for name in ('chromium', 'chromium-browser'):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail('chromium is not installed: `make browser` installs it (make integration does it first)')


def browser(*args):
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium(), '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
                               '--no-first-run', '--disable-background-networking', '--disable-component-update',
                               '--disable-sync', '--user-data-dir=%s' % profile] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, check=False)


def test_review_of_two_clusters(server, tmp_path):
    drift_by_hand(server)
    inventory = write_inventory(tmp_path, server)
    before = server_state(server)
    out = tmp_path / 'report'
    run = run_ansible(['ansible-playbook', 'zilliz.cloud.access_review', '-i', str(inventory)],
                      extra_vars={'cluster_users_login_password': server.root_password, 'access_review_dir': str(out),
                                  'access_review_title': 'Quarterly access review', 'access_review_set_stats': True},
                      name='access_review')
    assert run.rc == 0, tail(run.output)
    assert '"access_review_markdown": "# Quarterly access review' in run.output     # the job's artifacts
    assert server_state(server) == before, 'the review changed the server'

    report = json.loads((out / 'access_review.json').read_text(encoding='utf-8'))
    clusters = dict((c['host'], c) for c in report['clusters'])
    assert sorted(clusters) == ['ar_down', 'ar_drifted']
    down = clusters['ar_down']
    assert down['status'] == 'unreachable' and down['error']['category'] == 'unreachable'
    drifted = clusters['ar_drifted']
    assert drifted['status'] == 'ok'
    assert sorted((d['kind'], d['subject'], d['change'], d['detail']) for d in drifted['drift']) == [
        ('grant', 'ar_reader', 'missing', 'Collection:orders:Search@default'),
        ('role', 'ar_missing', 'missing', 'grant:Collection:*:Search@default'),
        ('user', 'ar_intruder', 'undeclared', ''),
    ]
    assert [d['applied_by_cluster_users'] for d in sorted(drifted['drift'], key=lambda d: d['subject'])] == \
        [False, True, True]           # ar_intruder: cluster_users is not exclusive here
    assert drifted['summary'] == {'users': 5, 'roles': 4, 'privileged': 2, 'drift': 3}
    assert drifted['privileged'] == ['boss', 'root']
    assert report['totals'] == {'clusters': 2, 'reviewed': 1, 'unreachable': 1, 'errors': 0, 'users': 5,
                                'privileged': 2, 'drift': 3}
    assert 'ar_drifted: ok, 5 users, 4 roles, 2 privileged, 3 drift' in run.output
    assert 'ar_down: unreachable (unreachable: ' in run.output

    html = (out / 'access_review.html').read_text(encoding='utf-8')
    markdown = (out / 'access_review.md').read_text(encoding='utf-8')
    for text in (html, markdown, json.dumps(report)):
        secrets = list(PW.values()) + list(SECRETS.values()) + [server.root_password]
        assert not [s for s in secrets if s in text]
        assert not HASH_RE.search(text)
    assert not HASH_RE.search(run.output)
    assert '- user ar_intruder: on the cluster, not declared; cluster_users leaves it (not exclusive)' in markdown
    assert ('- role ar_missing: declared, not on the cluster (to be created with grant:Collection:\\*:Search@default)'
            in markdown)
    # Self-contained: no script, and nothing it would load.
    assert not re.search(r'<script|<link|<img|\bsrc=|url\(|@import', html)
    assert not [h for h in re.findall(r'href="([^"]*)"', html) if not h.startswith('#')]
    check_in_browser(out / 'access_review.html')

    # Strict: a cluster not reviewed fails the run, after the report is written.
    strict = run_ansible(['ansible-playbook', 'zilliz.cloud.access_review', '-i', str(inventory), '--limit', 'ar_down'],
                         extra_vars={'cluster_users_login_password': server.root_password,
                                     'access_review_dir': str(tmp_path / 'strict'), 'access_review_strict': True},
                         name='access_review_strict')
    assert strict.rc == 2 and '1 cluster(s) not reviewed, 0 with errors, 0 drift item(s)' in strict.output
    assert (tmp_path / 'strict' / 'access_review.html').exists()


def check_in_browser(page):
    """The page as chromium renders it: the DOM after parsing shows the clusters, the drift and the matrix,
    and a screenshot of it is a real picture."""
    dom = browser('--dump-dom', page.as_uri())
    assert dom.returncode == 0, dom.stderr.decode('utf-8', 'replace')[-2000:]
    text = dom.stdout.decode('utf-8')
    assert '<title>Quarterly access review</title>' in text
    assert re.search(r'<section id="cluster-ar_down"><h2>ar_down<span class="badge unreachable">unreachable', text)
    assert 'user ar_intruder: on the cluster, not declared; cluster_users leaves it (not exclusive)' in text
    assert 'role ar_reader: grant Collection:orders:Search@default declared, not on the cluster' in text
    matrix = text.split('<h3>Access</h3>')[1].split('</table>')[0]
    assert matrix.count('<tr') == 6           # header + ann, boss, nobody, root, ar_intruder
    assert '<th>ar_db2: all collections</th>' in matrix and '<th>everything</th>' in matrix
    assert 'Insert <small>ar_writer</small><br>Query <small>public</small>' in matrix
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    shot = OUTPUT_DIR / 'access_review.png'
    result = browser('--screenshot=%s' % shot, '--window-size=1280,1400', '--hide-scrollbars', page.as_uri())
    assert result.returncode == 0, result.stderr.decode('utf-8', 'replace')[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    width, height = int.from_bytes(data[16:20], 'big'), int.from_bytes(data[20:24], 'big')
    assert (width, height) == (1280, 1400) and len(data) > 20000

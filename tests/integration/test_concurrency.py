"""Concurrency: several ansible-playbook runs at once provisioning the same
users (one also rotating a password) all succeed and leave exactly the
requested state; a create_user that loses the race ("user already exists")
counts as converged, not as an error."""

import concurrent.futures
import json
import re
import subprocess
import sys
import time
import warnings

import pytest

from conftest import SECRETS, collections_dir, playbook, server_vars, snapshot

RUNS = 4
NAMES = ['conc_u%02d' % i for i in range(40)]
ROLES = {name: (['db_ro'] if i % 2 else ['db_rw', 'db_ro']) for i, name in enumerate(NAMES)}


def _can_login(server, user, password):
    try:
        client = server.client(user=user, password=password, timeout=5)
    except Exception:  # pylint: disable=broad-except
        return False
    try:
        client.get_server_version(timeout=5)
        return True
    finally:
        client.close()


@pytest.fixture
def conc_server(milvus):
    client = milvus.client(user='root', password=milvus.root_password)
    try:
        client.create_user('conc_rot', SECRETS['pw_bob_1'], timeout=10)
        yield milvus
    finally:
        for name in NAMES + ['conc_rot']:
            client.drop_user(name, timeout=10)
        client.close()


def test_concurrent_runs_converge(conc_server):
    items = [{'name': n, 'password': SECRETS['pw_batch'], 'roles': ROLES[n]} for n in NAMES]
    start_at = time.time() + 8      # every run's module tasks start together
    with concurrent.futures.ThreadPoolExecutor(RUNS) as pool:
        futures = [pool.submit(playbook, 'concurrency.yml',
                               server_vars(conc_server, conc_items=items, start_at=start_at,
                                           rotate=(i == RUNS - 1)),
                               name='concurrency-%d' % i, timeout=120)
                   for i in range(RUNS)]
        runs = [f.result(timeout=150) for f in futures]   # re-raises: every run must succeed
    reports = [json.loads(re.search(r'CONC_RESULT (\{.*\})"', run.output).group(1).replace('\\"', '"'))
               for run in runs]

    # Exactly the requested state.
    users, dummy = snapshot(conc_server)
    for name in NAMES:
        assert users.get(name) == sorted(ROLES[name]), name
        assert _can_login(conc_server, name, SECRETS['pw_batch']), name
    assert _can_login(conc_server, 'conc_rot', SECRETS['pw_bob_2'])
    assert not _can_login(conc_server, 'conc_rot', SECRETS['pw_bob_1'])
    # Each user is reported created by exactly one run (the losers of a race converge silently).
    created = sorted(n for report in reports for n in report['created'])
    assert created == NAMES, created
    assert [r['rotated'] for r in reports] == [None] * (RUNS - 1) + [True]
    # Did the runs really race? The server logs every refused duplicate create_user.
    races = _races_in_server_log(conc_server)
    print('create_user races lost and converged: %d' % races)
    if not races:
        warnings.warn('the concurrent runs did not overlap this time: no "already exists" race happened '
                      '(test_user_already_exists_is_converged still covers that path)')


def _races_in_server_log(server):
    found = subprocess.run(['grep', '-rhoE', 'already exists?: conc_u[0-9]+', str(server.log_dir)],
                           stdout=subprocess.PIPE, check=False).stdout.decode('utf-8', 'replace')
    return len(set(found.split('\n')) - {''})


def _reconciler(server, users, update_password='on_create'):
    """A UserReconciler for `users` (items as zilliz_user takes them), run against the real server."""
    sys.path.insert(0, str(collections_dir()))
    from ansible_collections.zilliz.cloud.plugins.module_utils._users import UserReconciler
    params = dict(uri=server.uri, login_user='root', login_password=server.root_password, timeout=10,
                  name=None, state='present', password=None, current_password=None, roles=None,
                  update_password=update_password, roles_mode='exact', users=users, exclusive=False,
                  protected_users=[], password_policy='milvus')
    return UserReconciler(params)


def _engine():
    sys.path.insert(0, str(collections_dir()))
    from ansible_collections.zilliz.cloud.plugins.module_utils import _connection, _engine as engine
    return _connection, engine


def test_user_already_exists_is_converged(conc_server):
    """The race itself, made deterministic: the plan says create, but the user
    exists by the time the RPC is made (another run won). Real server, the
    collection's own engine."""
    _connection, engine = _engine()
    server = conc_server
    params = dict(uri=server.uri, login_user='root', login_password=server.root_password, timeout=10)
    with _connection.Connection(params) as conn:
        users = _reconciler(server, [{'name': 'conc_rot', 'password': SECRETS['pw_bob_1']}])
        create = engine.Action('create_user', 'conc_rot')
        assert users.apply(conn, create) == engine.CONVERGED

        # A password rotation another run already made: Milvus refuses the old
        # password (1400), the new one authenticates, so it is converged too.
        users = _reconciler(server, [{'name': 'conc_rot', 'password': SECRETS['pw_bob_1'],
                                      'current_password': SECRETS['pw_wrong']}])
        rotate = engine.Action('update_password', 'conc_rot')
        assert users.apply(conn, rotate) == engine.CONVERGED

        # ...but a refused rotation whose new password does not work is an error.
        users = _reconciler(server, [{'name': 'conc_rot', 'password': SECRETS['pw_bob_2'],
                                      'current_password': SECRETS['pw_wrong']}])
        with pytest.raises(Exception) as failure:
            users.apply(conn, rotate)
        assert getattr(failure.value, 'category', None) == 'auth_failed'
        assert SECRETS['pw_wrong'] not in str(failure.value) and SECRETS['pw_bob_2'] not in str(failure.value)


def test_raced_creation_gets_this_runs_password_with_update_password_always(conc_server):
    """Another run created the user first, with another password: with
    update_password=always this run's password wins (as on any later run)."""
    _connection, engine = _engine()
    server = conc_server
    client = server.client(user='root', password=server.root_password)
    try:
        params = dict(uri=server.uri, login_user='root', login_password=server.root_password, timeout=10)
        with _connection.Connection(params) as conn:
            users = _reconciler(server, [{'name': 'conc_race', 'password': SECRETS['pw_bob_2'],
                                          'current_password': SECRETS['pw_bob_1']}], update_password='always')
            state = users.observe(conn)                                        # the user does not exist yet
            plans = users.plan(state).subjects
            client.create_user('conc_race', SECRETS['pw_bob_1'], timeout=10)   # ...then the other run won
            outcome = engine.Outcome(plans)
            engine.execute(conn, users.phases(plans, state), users.apply, outcome)
            assert outcome.converged == [engine.Action('create_user', 'conc_race')]
            # The settle step finds the other run's password and changes it to this run's.
            extra = users.settle(conn, state, outcome)
            assert extra == [engine.Action('update_password', 'conc_race')]
            engine.execute(conn, [engine.chains(extra)], users.apply, outcome)
            users.verify(conn, state, outcome)
            assert [str(a) for a in outcome.actions_for(plans[0])] == ['update_password']
            assert users.result(outcome)['users'][0]['password_changed'] is True
            assert conn.authenticates('conc_race', SECRETS['pw_bob_2'])
            assert not conn.authenticates('conc_race', SECRETS['pw_bob_1'])
    finally:
        client.drop_user('conc_race', timeout=10)
        client.close()


def test_role_races_converge(conc_server):
    """A role another run created first, or dropped first: converged, not an error."""
    _connection, engine = _engine()
    from ansible_collections.zilliz.cloud.plugins.module_utils._roles import RoleReconciler
    server = conc_server
    client = server.client(user='root', password=server.root_password)
    params = dict(uri=server.uri, login_user='root', login_password=server.root_password, timeout=10,
                  name='conc_role', state='present', privileges=None, privileges_mode='exact', roles=None)
    try:
        client.create_role('conc_role', timeout=10)
        with _connection.Connection(params) as conn:
            roles = RoleReconciler(params)
            assert roles.apply(conn, engine.Action('create_role', 'conc_role')) == engine.CONVERGED
            client.drop_role('conc_role', timeout=10)
            assert roles.apply(conn, engine.Action('drop_role', 'conc_role')) == engine.CONVERGED
    finally:
        if 'conc_role' in client.list_roles(timeout=10):
            client.drop_role('conc_role', timeout=10)
        client.close()

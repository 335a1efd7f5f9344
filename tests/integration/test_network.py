"""Networks that misbehave, through ansible-playbook and tools/fault_proxy.py
against the real local Milvus: the first connections cut, every connection
cut every half second during a batch and a rotation over a 40 ms round trip,
a 200 ms round trip with a 3 s timeout, nothing behind the proxy. Every case
has a bound on its wall time that it checks."""

import json
import re
import sys
import threading

import pytest

from conftest import REPO, SECRETS, collections_dir, drop_users, logs_in, playbook, server_vars, snapshot

sys.path.insert(0, str(REPO / 'tools'))
from fault_proxy import FaultProxy  # noqa: E402  pylint: disable=wrong-import-position


def proxied(server, proxy, **extra):
    data = server_vars(server, **extra)
    data['zilliz_uri'] = proxy.uri
    return data


def net_result(run):
    """The NET_RESULT dict the batch playbook prints (one per run)."""
    found = re.findall(r'NET_RESULT (\{.*\})"', run.output)
    assert len(found) == 1, run.output[-3000:]
    return json.loads(found[0].replace('\\"', '"'))


@pytest.fixture
def cleanup(milvus):
    """Names to drop after the test, pass or fail."""
    names = []
    yield names
    drop_users(milvus, names)


@pytest.mark.parametrize('module', ['connection_check', 'user_info', 'user'])
def test_first_two_connections_cut(milvus, cleanup, module):
    cleanup.append('net_first')
    with FaultProxy(milvus.port, cut_first=2) as proxy:
        run = playbook('network_modules.yml', proxied(milvus, proxy, expect='ok', max_seconds=6),
                       extra_args=['--tags', module], name='network-first-cut-%s' % module, timeout=60)
        assert proxy.cuts == 2 and proxy.accepted >= 3      # the fault happened, and was ridden out
    assert run.elapsed < 20
    if module == 'user':
        assert snapshot(milvus)[0]['net_first'] == ['db_ro']
        assert logs_in(milvus, 'net_first', SECRETS['pw_dave'])


def test_first_connection_cut_without_retries_is_unreachable(milvus):
    """The same fault with retry_budget 0 (from the environment): what the
    retries save the run from."""
    with FaultProxy(milvus.port, cut_first=1) as proxy:
        playbook('network_modules.yml', proxied(milvus, proxy, expect='unreachable', max_seconds=6),
                 env={'ZILLIZ_RETRY_BUDGET': '0'}, extra_args=['--tags', 'connection_check'],
                 name='network-no-retries', timeout=60)
        assert proxy.accepted == 1


def users(prefix, count, password, roles=('db_ro',)):
    return [{'name': '%s%02d' % (prefix, i), 'password': password, 'roles': list(roles)} for i in range(count)]


def twice_with_every_connection_cut(server, items, name, cut_after_bytes, cut_after=0.5):
    """The batch playbook run twice over a 40 ms round trip, every connection
    cut `cut_after` seconds after it was made, or once `cut_after_bytes` have
    passed, whichever comes first; (first result, second result). The byte
    limit makes the fault happen however fast the module gets (a run now often
    ends within half a second of its connection); it is set so that a few
    connections are cut, as a cut every half second did on slower runs
    (measured: a 60-user batch moves about 27 KB over its connection since the
    users it creates are no longer logged in as, so it is cut at 16 KB; the
    rotation loses 3 at 12 KB). The
    first run must have lost at least one connection, or the test would
    prove nothing."""
    with FaultProxy(server.port, rtt=0.04, cut_after_seconds=cut_after, cut_after_bytes=cut_after_bytes) as proxy:
        def run(suffix):
            return net_result(playbook('network_batch.yml', proxied(
                server, proxy, batch_items=items, module_timeout=10, max_seconds=30), name=name + suffix))
        first = run('')
        cut = proxy.cuts
        second = run('-2')
    print('%s: connections cut during the first run: %d, the task took %.2f s' % (name, cut, first['seconds']))
    assert cut >= 1, 'no connection was cut during the run: the test proved nothing'
    return first, second


def test_batch_with_every_connection_cut_every_half_second(milvus, cleanup):
    items = users('net_b', 60, SECRETS['pw_batch'])
    names = [item['name'] for item in items]
    cleanup.extend(names)
    first, second = twice_with_every_connection_cut(milvus, items, 'network-cut-batch', cut_after_bytes=16384)
    # The end state is exact...
    state = snapshot(milvus)[0]
    assert dict((n, state.get(n)) for n in names) == dict((n, ['db_ro']) for n in names)
    assert all(logs_in(milvus, n, SECRETS['pw_batch']) for n in (names[0], names[-1]))
    # ...the result names every change once...
    assert first['changed'] and sorted(first['summary']['created']) == names
    assert sorted(first['actions']) == sorted(['%s:create_user' % n for n in names] +
                                              ['%s:grant_role:db_ro' % n for n in names])
    # ...and a second run changes nothing.
    assert not second['changed'] and second['actions'] == [] and sorted(second['summary']['unchanged']) == names


def test_rotation_with_every_connection_cut_every_half_second(milvus, cleanup):
    items = users('net_r', 30, SECRETS['pw_batch'])
    names = [item['name'] for item in items]
    cleanup.extend(names)
    rotation = [dict(item, state='password', current_password=SECRETS['pw_batch'], password=SECRETS['pw_batch_2'])
                for item in items]
    playbook('network_batch.yml', server_vars(milvus, batch_items=items, module_timeout=10, max_seconds=30),
             name='network-rotation-setup')
    first, second = twice_with_every_connection_cut(milvus, rotation, 'network-cut-rotation', cut_after_bytes=12288)
    for name in names:
        assert logs_in(milvus, name, SECRETS['pw_batch_2']), name
        assert not logs_in(milvus, name, SECRETS['pw_batch']), name
    assert sorted(first['summary']['password_changed']) == names
    assert sorted(first['actions']) == sorted('%s:update_password' % n for n in names)
    assert not second['changed'] and second['actions'] == []


def test_200ms_round_trip_with_a_3s_timeout(milvus, cleanup):
    items = users('net_w', 12, SECRETS['pw_batch'])
    cleanup.extend(item['name'] for item in items)
    with FaultProxy(milvus.port, rtt=0.2) as proxy:
        result = net_result(playbook('network_batch.yml', proxied(
            milvus, proxy, batch_items=items, module_timeout=3, max_seconds=15), name='network-wan'))
    assert sorted(result['summary']['created']) == [item['name'] for item in items]
    # At least the connection and one request per phase paid the round trip.
    assert result['seconds'] > 1.0


def test_nothing_behind_the_proxy_is_unreachable_within_timeout(milvus):
    """The proxy accepts and resets every connection: every module fails as
    unreachable within its timeout (5 s) plus a few seconds."""
    with FaultProxy(None) as proxy:
        run = playbook('faults_no_answer.yml', proxied(
            milvus, proxy, module_timeout=5, max_seconds=8, expect_category='unreachable'),
            name='network-nothing-behind', timeout=90)
        assert proxy.accepted > 3       # each module tried more than once
    assert run.elapsed < 40
    assert 'fault_user' not in snapshot(milvus)[0]


def test_writes_whose_answers_are_lost_count_once(milvus, cleanup):
    """Deterministic lost answers against the real server, with the
    collection's own executor: the proxy holds every answer 0.4 s, and the
    connection is cut while the answer to CreateCredential (then to
    UpdateCredential) is held. The request did its work; the retry is refused
    ("already exists", "old password not correct"), and since this run's
    password authenticates, the write counts as done by this run, once."""
    sys.path.insert(0, str(collections_dir()))
    from ansible_collections.zilliz.cloud.plugins.module_utils import _connection, _engine, _users

    cleanup.append('net_lost')
    request = dict(name='net_lost', password=SECRETS['pw_carol'], current_password=None)
    with FaultProxy(milvus.port) as proxy:
        params = dict(uri=proxy.uri, login_user='root', login_password=milvus.root_password, timeout=10)
        with _connection.Connection(params) as conn:
            proxy.delay_down = 0.4
            for kind, later in ((_users.CREATE_USER, None),
                                (_users.UPDATE_PASSWORD, dict(password=SECRETS['pw_alice_2'],
                                                              current_password=SECRETS['pw_carol']))):
                request.update(later or {})
                cuts = proxy.cuts
                timer = threading.Timer(0.2, proxy.cut_all)
                timer.start()
                params = dict(name=None, state='present', password=None, current_password=None, roles=None,
                              update_password='always', roles_mode='exact', users=[request],
                              password_policy='milvus')
                how = _users.UserReconciler(params).apply(conn, _engine.Action(kind, 'net_lost'))
                timer.join()
                assert proxy.cuts > cuts, 'the answer was not cut'
                assert how == _engine.DONE, kind
    assert logs_in(milvus, 'net_lost', SECRETS['pw_alice_2'])

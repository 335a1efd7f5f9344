# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Users: desired state + current state -> a plan (pure), then apply it.

The single-user form of zilliz_user is the batch form with one item, so
there is one planner, one executor and one code path for check mode (plan,
then do not apply) and real runs. Plans carry user and role names only;
passwords stay in the requests, beside the plan, never in what is returned.

INTERNAL: private to the zilliz.cloud collection.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import concurrent.futures
import threading

from ansible_collections.zilliz.cloud.plugins.module_utils._errors import (
    AUTH_FAILED, INVALID_INPUT, MILVUS_OLD_PASSWORD_WRONG, ZillizError, describe_failure,
    is_role_not_found, is_user_exists,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._validation import (
    BUILTIN_PROTECTED_USERS, password_problems, role_name_problems, user_name_problems,
)

# Per-user options: top level for the single form; in `users` items they
# default to the top-level values, so `state`, `update_password`, `roles`,
# `roles_mode` set once apply to every item.
USER_ITEM_OPTIONS = ('name', 'state', 'password', 'current_password', 'update_password', 'roles', 'roles_mode')

CREATE_USER = 'create_user'
UPDATE_PASSWORD = 'update_password'
GRANT_ROLE = 'grant_role'
REVOKE_ROLE = 'revoke_role'
DROP_USER = 'drop_user'

# Drops first (frees room under the user limit), then creations, then
# passwords, then role changes on users that now exist.
_ACTION_ORDER = {DROP_USER: 0, CREATE_USER: 1, UPDATE_PASSWORD: 2, GRANT_ROLE: 3, REVOKE_ROLE: 4}


class Action:
    """One RPC the executor will make. Never holds a secret."""

    __slots__ = ('kind', 'user', 'role')

    def __init__(self, kind, user, role=None):
        self.kind, self.user, self.role = kind, user, role

    def __str__(self):
        return '%s:%s' % (self.kind, self.role) if self.role else self.kind

    def __repr__(self):
        return 'Action(%s, %s)' % (self.user, self)

    def __eq__(self, other):
        return isinstance(other, Action) and (self.kind, self.user, self.role) == (other.kind, other.user, other.role)

    def __hash__(self):
        return hash((self.kind, self.user, self.role))


class ClusterState:
    """What the server holds: users with their roles, and the roles that exist."""

    def __init__(self, users, roles):
        self.users = dict((name, set(granted)) for name, granted in users.items())
        self.roles = set(roles)

    def exists(self, name):
        return name in self.users


def build_requests(params):
    """Normalised per-user requests from module params (single or batch form)."""
    defaults = dict((key, params.get(key)) for key in USER_ITEM_OPTIONS)
    if params.get('users') is None:
        items = [defaults]
    else:
        items = []
        for item in params['users']:
            merged = dict(defaults, name=None, password=None, current_password=None)
            merged.update(dict((k, v) for k, v in item.items() if v is not None))
            items.append(merged)
    requests = []
    for index, item in enumerate(items):
        request = dict((key, item.get(key)) for key in USER_ITEM_OPTIONS)
        request['state'] = request['state'] or 'present'
        request['update_password'] = request['update_password'] or 'on_create'
        request['roles_mode'] = request['roles_mode'] or 'exact'
        if request['roles'] is not None:
            request['roles'] = sorted(set(request['roles']))
        request['index'] = index
        requests.append(request)
    return requests


def _label(request, batch):
    name = request.get('name')
    if batch:
        return 'users[%d] (%s)' % (request['index'], name if name else 'no name')
    return 'user %s' % name if name else 'the user'


def validate_requests(requests, password_policy, batch=False, login_user=None):
    """Every problem with the requests that needs no server. Empty when valid."""
    problems = []
    seen = {}
    for request in requests:
        label = _label(request, batch)
        name = request.get('name')
        if request['state'] == 'absent' and name:
            if name in BUILTIN_PROTECTED_USERS:
                problems.append('%s: refusing to drop the built-in user %s (Milvus superuser / Zilliz Cloud '
                                'owner account)' % (label, name))
            elif login_user and name == login_user:
                problems.append('%s: refusing to drop %s, the user this task is connected as' % (label, name))
        for problem in user_name_problems(name):
            problems.append('%s: %s' % (label, problem))
        if name:
            if name in seen:
                problems.append('%s: user %s is listed twice (also users[%d])' % (label, name, seen[name]))
            seen.setdefault(name, request['index'])
        for role in request.get('roles') or ():
            for problem in role_name_problems(role):
                problems.append('%s: %s' % (label, problem))
        state = request['state']
        if state == 'password' and not request.get('password'):
            problems.append('%s: state=password needs password (the new password)' % label)
        if state == 'absent' and (request.get('password') or request.get('current_password')):
            problems.append('%s: state=absent takes no password' % label)
        if state != 'absent':
            for problem in password_problems(request.get('password'), password_policy):
                problems.append('%s: %s' % (label, problem))
            # Only length is checked for the current password: it may predate the policy.
            for problem in password_problems(request.get('current_password'), 'milvus', 'current_password'):
                problems.append('%s: %s' % (label, problem))
    return problems


def protected_users(login_user, extra=()):
    names = set(BUILTIN_PROTECTED_USERS) | set(extra or ())
    if login_user:
        names.add(login_user)
    return names


def validate_against_state(requests, state, batch=False):
    """Problems only visible once the current users and roles are known."""
    problems = []
    for request in requests:
        label = _label(request, batch)
        name = request['name']
        exists = state.exists(name)
        if request['state'] == 'absent':
            continue
        if request['state'] == 'password' and not exists:
            problems.append('%s: cannot change the password of %s: the user does not exist (use state=present '
                            'to create it)' % (label, name))
        if request['state'] == 'present' and not exists and not request.get('password'):
            problems.append('%s: user %s does not exist and no password was given to create it' % (label, name))
        if request.get('roles') and request['roles_mode'] != 'remove':
            missing = [role for role in request['roles'] if role not in state.roles]
            if missing:
                problems.append('%s: role%s %s do%s not exist on the server (existing roles: %s)' % (
                    label, 's' if len(missing) > 1 else '', ', '.join(missing), '' if len(missing) > 1 else 'es',
                    ', '.join(sorted(state.roles)) or 'none'))
    return problems


def password_checks(requests, state):
    """(user, password) pairs whose validity decides the plan: the desired
    password of existing users whose password is managed."""
    pairs = []
    for request in requests:
        if request['state'] == 'absent' or not request.get('password') or not state.exists(request['name']):
            continue
        if request['state'] == 'password' or request['update_password'] == 'always':
            pairs.append((request['name'], request['password']))
    return pairs


def current_password_checks(requests, password_works):
    """(user, current_password) pairs to check before changing a password, so
    a wrong current_password fails the task before anything changes."""
    return [(r['name'], r['current_password']) for r in requests
            if r.get('current_password') and password_works.get(r['name']) is False]


def current_password_problems(pairs, works, batch=False):
    return ['%scurrent_password is not the current password of user %s (nothing was changed)'
            % ('%s: ' % name if batch else '', name) for name, dummy in pairs if not works.get(name)]


def _role_actions(name, request, current_roles):
    desired = request.get('roles')
    if desired is None:
        return []
    desired = set(desired)
    mode = request['roles_mode']
    grants = desired - current_roles if mode in ('exact', 'append') else set()
    revokes = (current_roles - desired) if mode == 'exact' else (current_roles & desired if mode == 'remove' else set())
    return ([Action(GRANT_ROLE, name, role) for role in sorted(grants)] +
            [Action(REVOKE_ROLE, name, role) for role in sorted(revokes)])


class UserPlan:
    """The plan for one user: its actions and the before/after it implies."""

    def __init__(self, name, request_state, actions, before, after, listed=True):
        self.name = name
        self.request_state = request_state
        self.actions = actions
        self.before = before
        self.after = after
        self.listed = listed

    @property
    def changed(self):
        return bool(self.actions)

    def result(self):
        result = dict(name=self.name, state=self.request_state, changed=self.changed,
                      exists=self.after['exists'], roles=self.after['roles'],
                      password_changed=any(a.kind == UPDATE_PASSWORD for a in self.actions),
                      actions=[str(a) for a in self.actions])
        if not self.listed:
            result['unlisted'] = True
        return result


def _snapshot(exists, roles):
    return dict(exists=exists, roles=sorted(roles) if exists else [])


def plan_users(requests, state, password_works, exclusive=False, protected=()):
    """The plans that take the cluster from `state` to `requests`.

    password_works maps user name -> whether the requested password already
    authenticates (only for the pairs password_checks() asked about)."""
    plans = []
    listed = set()
    for request in requests:
        name = request['name']
        listed.add(name)
        exists = state.exists(name)
        current_roles = state.users.get(name, set())
        before = _snapshot(exists, current_roles)
        actions = []
        if request['state'] == 'absent':
            if exists:
                actions.append(Action(DROP_USER, name))
            plans.append(UserPlan(name, 'absent', actions, before, _snapshot(False, ())))
            continue
        if not exists:
            actions.append(Action(CREATE_USER, name))
        elif (request['state'] == 'password' or request['update_password'] == 'always') \
                and request.get('password') and password_works.get(name) is False:
            actions.append(Action(UPDATE_PASSWORD, name))
        role_actions = _role_actions(name, request, current_roles)
        actions.extend(role_actions)
        roles_after = set(current_roles)
        for action in role_actions:
            (roles_after.add if action.kind == GRANT_ROLE else roles_after.discard)(action.role)
        plans.append(UserPlan(name, request['state'], actions, before, _snapshot(True, roles_after)))
    if exclusive:
        for name in sorted(set(state.users) - listed - set(protected)):
            plans.append(UserPlan(name, 'absent', [Action(DROP_USER, name)],
                                  _snapshot(True, state.users[name]), _snapshot(False, ()), listed=False))
    return plans


def users_after(state, plans):
    """How many users the cluster holds once the plans are applied."""
    created = sum(1 for plan in plans for a in plan.actions if a.kind == CREATE_USER)
    dropped = sum(1 for plan in plans for a in plan.actions if a.kind == DROP_USER)
    return len(state.users) + created - dropped


def ordered_actions(plans, login_user=None):
    """All actions in execution order; a password change of the login user
    goes last, since it invalidates the credential this connection uses."""
    actions = [a for plan in plans for a in plan.actions]

    def key(action):
        own = action.kind == UPDATE_PASSWORD and action.user == login_user
        return (1 if own else 0, _ACTION_ORDER[action.kind])
    return sorted(actions, key=key)


def summarise(plans):
    summary = dict(created=[], password_changed=[], roles_changed=[], dropped=[], unchanged=[])
    for plan in plans:
        kinds = set(a.kind for a in plan.actions)
        if not kinds:
            summary['unchanged'].append(plan.name)
        if CREATE_USER in kinds:
            summary['created'].append(plan.name)
        if UPDATE_PASSWORD in kinds:
            summary['password_changed'].append(plan.name)
        if kinds & set((GRANT_ROLE, REVOKE_ROLE)):
            summary['roles_changed'].append(plan.name)
        if DROP_USER in kinds:
            summary['dropped'].append(plan.name)
    return summary


def diff_entry(plan):
    before = dict(plan.before, password='unchanged')
    kinds = set(a.kind for a in plan.actions)
    password = 'set' if CREATE_USER in kinds else ('changed' if UPDATE_PASSWORD in kinds else 'unchanged')
    after = dict(plan.after, password=password if plan.after['exists'] else 'unchanged')
    return before, after


# ---------------------------------------------------------------------------
# Executor: the only part that writes. `conn` is a _connection.Connection.
# ---------------------------------------------------------------------------

def _old_password_refused(error):
    return MILVUS_OLD_PASSWORD_WRONG in describe_failure(error)[1]


DONE = 'done'
CONVERGED = 'converged'


def apply_action(conn, action, request):
    """Make one RPC. DONE, or CONVERGED when another run had already done it."""
    try:
        if action.kind == CREATE_USER:
            conn.create_user(action.user, request['password'])
        elif action.kind == UPDATE_PASSWORD:
            # Milvus checks the old password unless the caller is a superuser. For
            # the login user it is known; otherwise, for a superuser, any
            # placeholder will do.
            old = request.get('current_password') or (conn.login_password if action.user == conn.user else None) \
                or request['password']
            conn.update_password(action.user, old, request['password'])
        elif action.kind == GRANT_ROLE:
            conn.grant_role(action.user, action.role)
        elif action.kind == REVOKE_ROLE:
            conn.revoke_role(action.user, action.role)
        elif action.kind == DROP_USER:
            conn.drop_user(action.user)
    except Exception as exc:  # pylint: disable=broad-except
        # after_retry: an earlier attempt's answer was lost, so the refusal may
        # be of this run's own write; it is when the password it sets works.
        settled = DONE if getattr(exc, 'after_retry', False) else CONVERGED
        if action.kind == CREATE_USER and is_user_exists(exc):
            if settled == DONE and conn.authenticates(action.user, request['password']):
                return DONE
            return CONVERGED      # another run created it first
        if action.kind == UPDATE_PASSWORD and _old_password_refused(exc) \
                and conn.authenticates(action.user, request['password']):
            return settled        # this run's lost write, or another run set this password
        raise _action_error(conn, action, request, exc)
    return DONE


def execution_phases(actions, login_user=None):
    """Actions (in ordered_actions order) grouped for execution: phases run one
    after the other; within a phase each user's chain of actions runs in order,
    and different users' chains may run concurrently. Drops come first (they
    free room under the user limit); the login user's own changes come last
    and alone (revoking its admin role or changing its password would cut
    off the rest of the work)."""
    drops, chains, own = [], {}, []
    for action in actions:
        if login_user and action.user == login_user:
            own.append(action)      # its grants/revokes/password could cut off this connection
        elif action.kind == DROP_USER:
            drops.append([action])
        else:
            chains.setdefault(action.user, []).append(action)
    return [phase for phase in (drops, list(chains.values()), [own] if own else []) if phase]


def apply_actions(conn, actions, requests_by_name, done, login_user=None, workers=None):
    """Make the RPCs the plan names; returns the actions another run had already
    done (not changes). Users are handled concurrently (conn.workers: round
    trips overlap, see _connection.DEFAULT_WORKERS); the first failure
    stops new work and is raised once the running calls finish."""
    workers = workers or conn.workers
    converged, failures = [], []
    lock = threading.Lock()

    def run_chain(chain):
        for action in chain:
            if failures:
                return
            try:
                outcome = apply_action(conn, action, requests_by_name.get(action.user, {}))
            except ZillizError as error:
                with lock:
                    failures.append(error)
                return
            with lock:
                (converged if outcome == CONVERGED else done).append(action)

    for phase in execution_phases(actions, login_user):
        if workers > 1 and len(phase) > 1:
            with concurrent.futures.ThreadPoolExecutor(max_workers=min(workers, len(phase))) as pool:
                list(pool.map(run_chain, phase))
        else:
            for chain in phase:
                run_chain(chain)
        if failures:
            raise failures[0]
    return converged


def _action_error(conn, action, request, exc):
    secrets = [request.get('password'), request.get('current_password')]
    if action.kind == UPDATE_PASSWORD and _old_password_refused(exc):
        if request.get('current_password'):
            msg = ('current_password is not the current password of user %s, so Milvus refused to change it; '
                   'nothing else was changed for this user' % action.user)
        else:
            msg = ('Milvus refused to change the password of user %s without its current password: set '
                   'current_password, or connect as a user listed in the server\'s common.security.superUsers'
                   % action.user)
        return ZillizError(AUTH_FAILED, msg)
    error = conn.error(exc, '%s for user %s' % (str(action).replace(':', ' '), action.user), extra_secrets=secrets)
    if action.kind == GRANT_ROLE and is_role_not_found(exc):
        error.category = INVALID_INPUT
    return error


def settle_raced_creations(conn, plans, converged, by_name, done):
    """A user another run created first has that run's password. With
    update_password=always this run's password must win, as it would on any
    later run: change it now."""
    raced = [a.user for a in converged if a.kind == CREATE_USER
             and by_name[a.user]['update_password'] == 'always']
    stale = [name for name, ok in conn.check_passwords([(n, by_name[n]['password']) for n in raced]).items()
             if not ok]
    if not stale:
        return
    updates = [Action(UPDATE_PASSWORD, name) for name in sorted(stale)]
    apply_actions(conn, updates, by_name, done, login_user=conn.user)
    for plan in plans:
        plan.actions.extend(a for a in updates if a.user == plan.name)

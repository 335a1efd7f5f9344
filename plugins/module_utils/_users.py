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

from ansible_collections.zilliz.cloud.plugins.module_utils._connection import login_identity
from ansible_collections.zilliz.cloud.plugins.module_utils._engine import (
    CONVERGED, DONE, Action, Reconciler, SubjectPlan, batch_items, chains, concurrently, execute, invalid,
    item_label, max_drops_problem, unlisted_drops,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._errors import (
    AUTH_FAILED, FORBIDDEN, INVALID_INPUT, MILVUS_OLD_PASSWORD_WRONG, SERVER_ERROR, ZillizError, describe_failure,
    is_role_not_found, is_user_exists,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._validation import (
    BUILTIN_PROTECTED_USERS, ZILLIZ_MAX_USERS, effective_policy, is_zilliz_cloud_uri, password_problems,
    role_name_problems, user_name_problems,
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


class ClusterState:
    """What the server holds: users with their roles, and the roles that exist."""

    def __init__(self, users, roles):
        self.users = dict((name, set(granted)) for name, granted in users.items())
        self.roles = set(roles)

    def exists(self, name):
        return name in self.users


def build_requests(params):
    """Normalised per-user requests from module params (single or batch form)."""
    requests = batch_items(params, 'users', USER_ITEM_OPTIONS, own=('name', 'password', 'current_password'),
                           defaults=dict(state='present', update_password='on_create', roles_mode='exact'))
    for request in requests:
        if request['roles'] is not None:
            request['roles'] = sorted(set(request['roles']))
    return requests


def _label(request, batch):
    return item_label('user', 'users', request, batch)


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


def _snapshot(exists, roles):
    return dict(exists=exists, roles=sorted(roles) if exists else [])


def _roles_after(current_roles, role_actions):
    roles = set(current_roles)
    for action in role_actions:
        (roles.add if action.kind == GRANT_ROLE else roles.discard)(action.target)
    return roles


def plan_users(requests, state, password_works, exclusive=False, protected=()):
    """The SubjectPlans that take the cluster from `state` to `requests` (pure).

    password_works maps user name -> whether the requested password already
    authenticates (only for the pairs password_checks() asked about)."""
    plans = []
    for request in requests:
        name = request['name']
        exists = state.exists(name)
        current_roles = state.users.get(name, set())
        before = _snapshot(exists, current_roles)
        if request['state'] == 'absent':
            actions = [Action(DROP_USER, name)] if exists else []
            plans.append(SubjectPlan(name, 'absent', actions, before, _snapshot(False, ())))
            continue
        actions = []
        if not exists:
            actions.append(Action(CREATE_USER, name))
        elif (request['state'] == 'password' or request['update_password'] == 'always') \
                and request.get('password') and password_works.get(name) is False:
            actions.append(Action(UPDATE_PASSWORD, name))
        role_actions = _role_actions(name, request, current_roles)
        actions.extend(role_actions)
        plans.append(SubjectPlan(name, request['state'], actions, before,
                                 _snapshot(True, _roles_after(current_roles, role_actions))))
    if exclusive:
        listed = set(r['name'] for r in requests)
        for name in sorted(set(state.users) - listed - set(protected)):
            plans.append(SubjectPlan(name, 'absent', [Action(DROP_USER, name)],
                                     _snapshot(True, state.users[name]), _snapshot(False, ()), listed=False))
    return tuple(plans)


def admin_roles(uri):
    """Roles that let a user manage users and roles: `admin` on Milvus; on
    Zilliz Cloud also its built-in `db_admin` role (the owner account's)."""
    return ('admin', 'db_admin') if is_zilliz_cloud_uri(uri) else ('admin',)


def self_lockout_problems(plans, login_user, uri):
    """Plans that would cut the login user off from managing users: revoking
    one of its own admin roles (any roles mode) or dropping it (exclusive
    never does: the login user is protected). Unknown for an API key."""
    if not login_user:
        return []
    guarded = admin_roles(uri)
    problems = []
    for action in (a for plan in plans for a in plan.actions if a.subject == login_user):
        if action.kind == REVOKE_ROLE and action.target in guarded:
            problems.append('refusing to revoke role %s from user %s, the user this task is connected as: it would '
                            'lose the right to manage users and roles, and every later task would fail with '
                            'forbidden. Keep %s in its roles (roles_mode append leaves other grants alone), or run '
                            'this task as another admin user' % (action.target, login_user, action.target))
        elif action.kind == DROP_USER:
            problems.append('refusing to drop user %s, the user this task is connected as: run this task as another '
                            'admin user' % login_user)
    return problems


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
        own = action.kind == UPDATE_PASSWORD and action.subject == login_user
        return (1 if own else 0, _ACTION_ORDER[action.kind])
    return sorted(actions, key=key)


def execution_phases(actions, login_user=None):
    """Actions (in ordered_actions order) grouped for execution: phases run one
    after the other; within a phase each user's chain of actions runs in order,
    and different users' chains may run concurrently. Drops come first (they
    free room under the user limit); the login user's own changes come last
    and alone (revoking its admin role or changing its password would cut
    off the rest of the work)."""
    own = [a for a in actions if login_user and a.subject == login_user]
    rest = [a for a in actions if a not in own]
    drops = [[a] for a in rest if a.kind == DROP_USER]
    others = chains(a for a in rest if a.kind != DROP_USER)
    return [phase for phase in (drops, others, [own] if own else []) if phase]


def user_result(plan, actions):
    result = dict(name=plan.name, state=plan.state, changed=bool(actions),
                  exists=plan.after['exists'], roles=plan.after['roles'],
                  password_changed=any(a.kind == UPDATE_PASSWORD for a in actions),
                  actions=[str(a) for a in actions])
    if not plan.listed:
        result['unlisted'] = True
    return result


def diff_entry(plan, actions):
    before = dict(plan.before, password='unchanged')
    kinds = set(a.kind for a in actions)
    password = 'set' if CREATE_USER in kinds else ('changed' if UPDATE_PASSWORD in kinds else 'unchanged')
    after = dict(plan.after, password=password if plan.after['exists'] else 'unchanged')
    return before, after


def auth_disabled_warning(uri, requests, state, pairs):
    created = [r['name'] for r in requests if r['state'] != 'absent' and not state.exists(r['name'])]
    checked = [name for name, dummy in pairs]
    text = 'Authentication is disabled on %s: the server accepts any password, so none can be checked.' % uri
    if checked:
        text += (' Passwords of existing users were NOT changed (%s): there is no way to tell whether they are '
                 'current; run again once authentication is enabled.' % ', '.join(sorted(checked)))
    if created:
        text += ' New users were created with the given passwords, unverified (%s).' % ', '.join(sorted(created))
    return text


def _old_password_refused(error):
    return MILVUS_OLD_PASSWORD_WRONG in describe_failure(error)[1]


class UserState(ClusterState):
    """ClusterState plus what the probes found: which requested passwords
    already work, and whether the server checks passwords at all."""

    def __init__(self, users, roles, password_works=None, auth_enabled=True):
        super(UserState, self).__init__(users, roles)
        self.password_works = dict(password_works or {})
        self.auth_enabled = auth_enabled


class UserReconciler(Reconciler):
    """zilliz_user: the single form is the batch form with one item."""

    list_key = 'users'
    everything_unlisted = 'every user except root, db_admin, the login user and protected_users'
    summary_rules = (('created', (CREATE_USER,), ()), ('password_changed', (UPDATE_PASSWORD,), ()),
                     ('roles_changed', (GRANT_ROLE, REVOKE_ROLE), ()), ('dropped', (DROP_USER,), ()))

    def __init__(self, params, check_mode=False):
        super(UserReconciler, self).__init__(params, check_mode)
        self.requests = build_requests(params)
        self.by_name = dict((r['name'], r) for r in self.requests)
        self.policy = effective_policy(params.get('password_policy'), params.get('uri'))
        self.login_user = None

    # ----- validate ---------------------------------------------------------
    def validate(self):
        return validate_requests(self.requests, self.policy, self.batch, login_identity(self.params)) + \
            self.clean_up_problems()

    # ----- observe ----------------------------------------------------------
    def _read(self, conn):
        """Users with roles and the roles that exist. A user without the privilege
        to list users may still manage itself (rotate its own password): then
        only that user is read, and roles only when the task names some."""
        try:
            return concurrently(conn, conn.users_with_roles, conn.list_roles)
        except ZillizError as error:
            if error.category != FORBIDDEN or not conn.user or any(r['name'] != conn.user for r in self.requests):
                raise
        wants_roles = any(r.get('roles') and r['roles_mode'] != 'remove' for r in self.requests)
        return conn.users_with_roles(only=conn.user), (conn.list_roles() if wants_roles else set())

    def observe(self, conn):
        self.login_user = conn.user
        users, roles = self._read(conn)
        if self.check_mode:
            # Created by an earlier task of this run, which check mode did not make.
            roles = set(roles) | set(self.params.get('check_mode_roles') or ())
        state = ClusterState(users, roles)
        problems = validate_against_state(self.requests, state, self.batch)
        if problems:
            raise invalid(problems)
        pairs = password_checks(self.requests, state)
        creating = any(r['state'] != 'absent' and not state.exists(r['name']) for r in self.requests)
        auth_enabled, works = concurrently(conn, lambda: conn.auth_enabled() if (pairs or creating) else True,
                                           lambda: conn.check_passwords(pairs))
        if not auth_enabled:
            self.warnings.append(auth_disabled_warning(conn.uri, self.requests, state, pairs))
        current_pairs = current_password_checks(self.requests, works)
        current_ok = conn.check_passwords(current_pairs)
        # A concurrent run may have finished the same rotation between the two
        # checks: if the new password works now, that user has converged.
        rechecked = conn.check_passwords([(name, self.by_name[name]['password'])
                                          for name, dummy in current_pairs if not current_ok.get(name)])
        works.update((name, True) for name, ok in rechecked.items() if ok)
        current_ok.update(rechecked)
        problems = current_password_problems(current_pairs, current_ok, self.batch)
        if problems:
            raise ZillizError(AUTH_FAILED, '; '.join(problems))
        if self.params.get('exclusive') and not conn.user:
            self.warnings.append('Connected with an API key: the connecting identity is unknown, so exclusive mode '
                                 'cannot protect it; list it in protected_users.')
        return UserState(users, roles, works, auth_enabled)

    # ----- plan -------------------------------------------------------------
    def plan(self, state):
        protected = protected_users(self.login_user, self.params.get('protected_users'))
        plans = plan_users(self.requests, state, state.password_works, self.params.get('exclusive'), protected)
        problems = self_lockout_problems(plans, self.login_user, self.params.get('uri'))
        too_many = max_drops_problem(unlisted_drops(plans), self.params.get('max_drops'), 'user')
        if too_many:
            problems.append(too_many)
        total = users_after(state, plans)
        if self.policy == 'zilliz' and total > max(ZILLIZ_MAX_USERS, len(state.users)):
            problems.append('the cluster would hold %d users; a Zilliz Cloud cluster holds at most %d (it has %d now)'
                            % (total, ZILLIZ_MAX_USERS, len(state.users)))
        if problems:
            raise invalid(problems)
        return plans

    # ----- apply ------------------------------------------------------------
    def phases(self, plans, login_user):
        return execution_phases(ordered_actions(plans, login_user), login_user)

    def apply(self, conn, action):
        """Make one RPC. DONE, or CONVERGED when another run had already done it."""
        request = self.by_name.get(action.subject, {})
        try:
            if action.kind == CREATE_USER:
                conn.create_user(action.subject, request['password'])
            elif action.kind == UPDATE_PASSWORD:
                # Milvus checks the old password unless the caller is a superuser. For
                # the login user it is known; otherwise, for a superuser, any
                # placeholder will do.
                old = request.get('current_password') or \
                    (conn.login_password if action.subject == conn.user else None) or request['password']
                conn.update_password(action.subject, old, request['password'])
            elif action.kind == GRANT_ROLE:
                conn.grant_role(action.subject, action.target)
            elif action.kind == REVOKE_ROLE:
                conn.revoke_role(action.subject, action.target)
            elif action.kind == DROP_USER:
                conn.drop_user(action.subject)
        except Exception as exc:  # pylint: disable=broad-except
            # after_retry: an earlier attempt's answer was lost, so the refusal may
            # be of this run's own write; it is when the password it sets works.
            settled = DONE if getattr(exc, 'after_retry', False) else CONVERGED
            if action.kind == CREATE_USER and is_user_exists(exc):
                if settled == DONE and conn.authenticates(action.subject, request['password']):
                    return DONE
                return CONVERGED      # another run created it first
            if action.kind == UPDATE_PASSWORD and _old_password_refused(exc) \
                    and conn.authenticates(action.subject, request['password']):
                return settled        # this run's lost write, or another run set this password
            raise self._action_error(conn, action, request, exc)
        return DONE

    def _action_error(self, conn, action, request, exc):
        secrets = [request.get('password'), request.get('current_password')]
        if action.kind == UPDATE_PASSWORD and _old_password_refused(exc):
            if request.get('current_password'):
                msg = ('current_password is not the current password of user %s, so Milvus refused to change it; '
                       'nothing else was changed for this user' % action.subject)
            else:
                msg = ('Milvus refused to change the password of user %s without its current password: set '
                       'current_password, or connect as a user listed in the server\'s common.security.superUsers'
                       % action.subject)
            return ZillizError(AUTH_FAILED, msg)
        error = conn.error(exc, '%s for user %s' % (str(action).replace(':', ' '), action.subject),
                           extra_secrets=secrets)
        if action.kind == GRANT_ROLE and is_role_not_found(exc):
            error.category = INVALID_INPUT
        return error

    # ----- verify -----------------------------------------------------------
    def verify(self, conn, state, outcome):
        if not state.auth_enabled:
            return      # any password "works": nothing can be settled or verified
        self._settle_raced_creations(conn, outcome)
        to_verify = [(plan.name, self.by_name[plan.name]['password']) for plan in outcome.plans
                     if any(a.kind in (CREATE_USER, UPDATE_PASSWORD) for a in outcome.actions_for(plan))]
        failing = sorted(name for name, ok in conn.check_passwords(to_verify).items() if not ok)
        if failing:
            raise ZillizError(SERVER_ERROR, 'The password of user%s %s was set but does not authenticate'
                              % ('s' if len(failing) > 1 else '', ', '.join(failing)))

    def _settle_raced_creations(self, conn, outcome):
        """A user another run created first has that run's password. With
        update_password=always this run's password must win, as it would on any
        later run: change it now (recorded in the outcome as an extra action)."""
        raced = [a.subject for a in outcome.converged if a.kind == CREATE_USER
                 and self.by_name[a.subject]['update_password'] == 'always']
        pairs = [(name, self.by_name[name]['password']) for name in raced]
        stale = sorted(name for name, ok in conn.check_passwords(pairs).items() if not ok)
        if stale:
            execute(conn, [chains(Action(UPDATE_PASSWORD, name) for name in stale)], self.apply, outcome)

    # ----- report -----------------------------------------------------------
    def subject_result(self, plan, actions):
        return user_result(plan, actions)

    def single_result(self, entry):
        return dict(user=dict(name=entry['name'], exists=entry['exists'], roles=entry['roles']),
                    password_changed=entry['password_changed'], actions=entry['actions'])

    def diff_entry(self, plan, actions):
        return diff_entry(plan, actions)

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
    CONVERGED, DONE, Action, Plan, Reconciler, SubjectPlan, batch_items, chains, concurrently, invalid, item_label,
    unlisted,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._errors import (
    ALREADY_EXISTS, AUTH_FAILED, FORBIDDEN, LIMIT_EXCEEDED, OLD_PASSWORD_WRONG, SERVER_ERROR, USER_LIMIT,
    ZillizError, refusal, server_message,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._privileges import grants_allow_access_management
from ansible_collections.zilliz.cloud.plugins.module_utils._roles import (
    RoleReconciler, login_user_roles_to_guard, read_grants,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._server import ZILLIZ_MAX_USERS
from ansible_collections.zilliz.cloud.plugins.module_utils._validation import (
    BUILTIN_PROTECTED_USERS, effective_policy, password_problems, role_name_problems, user_name_problems,
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
        self.users = dict((name, frozenset(granted)) for name, granted in users.items())
        self.roles = frozenset(roles)

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
    for request in requests:
        label = _label(request, batch)
        name = request.get('name')
        if request['state'] == 'absent' and name:
            if name in BUILTIN_PROTECTED_USERS:
                problems.append('%s: refusing to drop the built-in user %s (the superuser / Zilliz Cloud '
                                'owner account)' % (label, name))
            elif login_user and name == login_user:
                problems.append('%s: refusing to drop %s, the user this task is connected as' % (label, name))
        for problem in user_name_problems(name):
            problems.append('%s: %s' % (label, problem))
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
    """Problems only visible once the current users, roles and server profile are known."""
    problems = []
    for request in requests:
        label = _label(request, batch)
        name = request['name']
        exists = state.exists(name)
        if request['state'] == 'absent':
            continue
        name_problem = state.profile.user_name_problem(name) if not exists else None
        if name_problem:
            problems.append('%s: %s' % (label, name_problem))
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
        for name in unlisted(state.users, requests, protected):
            plans.append(SubjectPlan(name, 'absent', [Action(DROP_USER, name)],
                                     _snapshot(True, state.users[name]), _snapshot(False, ()), listed=False))
    return tuple(plans)


def self_lockout_problems(plans, state):
    """Plans that would cut the login user off from managing users: revoking
    one of its own admin roles (the profile's: admin; db_admin on Zilliz
    Cloud), taking away the custom roles whose grants let it manage users and
    roles, or dropping it (exclusive never does: the login user is
    protected). Unknown for an API key."""
    login_user = state.login_user
    if not login_user:
        return []
    guarded = state.profile.admin_roles
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
    problems.extend(_custom_role_lockout(plans, state))
    return problems


def _custom_role_lockout(plans, state):
    """The login user's own role changes that would take away the grants (of its
    custom roles and public) that let it manage users and roles."""
    if state.login_grants is None:
        return []
    own = [plan for plan in plans if plan.name == state.login_user and plan.changed]
    if not own:
        return []
    before = set(state.users.get(state.login_user, ())) | set(('public',))
    after = set(own[0].after['roles']) | set(('public',))

    def grants(roles):
        return set().union(*[state.login_grants.get(role, ()) for role in roles])
    if grants_allow_access_management(grants(before)) and not grants_allow_access_management(grants(after)):
        lost = sorted(before - after)
        # Name the roles that give the rights back on their own, when there are such.
        lost = [role for role in lost if grants_allow_access_management(grants(after | set([role])))] or lost
        return ['refusing to revoke role%s %s from user %s, the user this task is connected as: %s the '
                'privileges it needs to manage users and roles, and every later task would fail with forbidden. '
                'Keep %s, or run this task as another admin user'
                % ('s' if len(lost) > 1 else '', ', '.join(lost), state.login_user,
                   'they give it' if len(lost) > 1 else 'it gives it', 'them' if len(lost) > 1 else 'it')]
    return []


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
    return Reconciler.mark_unlisted(plan, result)


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


def roles_planned(users, roles, earlier):
    """Users with their roles, and the roles that exist, once the role plans of
    the same run (reconcile_all's `earlier`) are applied: roles they create
    exist, roles they drop do not, and their members no longer hold them.
    The same in check mode, where none of it is done."""
    role_plans = [subject for reconciler, plan in earlier if isinstance(reconciler, RoleReconciler)
                  for subject in plan.subjects if subject.changed]
    if not role_plans:
        return users, roles
    gone = set(p.name for p in role_plans if not p.after['exists'])
    roles = (set(roles) | set(p.name for p in role_plans if p.after['exists'])) - gone
    return dict((name, set(granted) - gone) for name, granted in users.items()), roles


class UserState(ClusterState):
    """One frozen observation: ClusterState plus the server profile, the login
    user, what the probes found (which requested passwords already work,
    which current passwords are right, whether the server checks passwords at
    all) and, when a task changes the login user's own roles, the grants of
    the roles involved ({role: grant keys}; None otherwise)."""

    def __init__(self, users, roles, profile, login_user=None, password_works=None, current_ok=None,
                 auth_enabled=True, login_grants=None):
        super(UserState, self).__init__(users, roles)
        self.profile = profile
        self.login_user = login_user
        self.password_works = dict(password_works or {})
        self.current_ok = dict(current_ok or {})
        self.auth_enabled = auth_enabled
        self.login_grants = None if login_grants is None else dict(
            (role, frozenset(keys)) for role, keys in login_grants.items())


class UserReconciler(Reconciler):
    """zilliz_user: the single form is the batch form with one item."""

    list_key = 'users'
    noun = 'user'
    everything_unlisted = 'every user except root, db_admin, the login user and protected_users'
    summary_rules = (('created', (CREATE_USER,), ()), ('password_changed', (UPDATE_PASSWORD,), ()),
                     ('roles_changed', (GRANT_ROLE, REVOKE_ROLE), ()), ('dropped', (DROP_USER,), ()))

    def __init__(self, params, check_mode=False):
        super(UserReconciler, self).__init__(params, check_mode)
        self.requests = build_requests(params)
        self.by_name = dict((r['name'], r) for r in self.requests)
        self.policy = effective_policy(params.get('password_policy'), params.get('uri'))

    # ----- validate ---------------------------------------------------------
    def validate(self):
        return validate_requests(self.requests, self.policy, self.batch, login_identity(self.params)) + \
            self.common_problems()

    # ----- observe (reads only) ---------------------------------------------
    def _read(self, conn):
        """Users with roles, the roles that exist, the server profile. A user
        without the privilege to list users may still manage itself (rotate its
        own password): then only that user is read, and roles only when the
        task names some."""
        try:
            return concurrently(conn, conn.users_with_roles, conn.list_roles, conn.profile)
        except ZillizError as error:
            if error.category != FORBIDDEN or not conn.user or any(r['name'] != conn.user for r in self.requests):
                raise
        wants_roles = any(r.get('roles') and r['roles_mode'] != 'remove' for r in self.requests)
        return (conn.users_with_roles(only=conn.user), (conn.list_roles() if wants_roles else set()),
                conn.profile())

    def _login_grants(self, conn, users, profile):
        """The grants of the roles the login user holds or is given, and public's,
        when a request changes the login user's own roles (for the lockout guard)."""
        own = self.by_name.get(conn.user)
        if not own or own.get('roles') is None or own['state'] == 'absent' or own['roles_mode'] == 'append':
            return None
        members = dict((role, set([conn.user])) for role in users.get(conn.user, ()))
        if login_user_roles_to_guard(members, conn.user) is None:
            return None     # root or an admin: the role guard covers it
        roles = sorted((set(users.get(conn.user, ())) | set(own['roles']) | set(('public',))) - set(('admin',)))
        databases = [] if profile.lists_grants_of_every_database else conn.list_databases()
        return read_grants(conn, roles, databases, profile)

    def observe(self, conn, earlier=()):
        users, roles, profile = self._read(conn)
        users, roles = roles_planned(users, roles, earlier)
        if self.check_mode:
            # Created by an earlier task of this run, which check mode did not make (deprecated option).
            roles = set(roles) | set(self.params.get('check_mode_roles') or ())
        state = ClusterState(users, roles)
        pairs = password_checks(self.requests, state)
        creating = any(r['state'] != 'absent' and not state.exists(r['name']) for r in self.requests)
        auth_enabled, works, login_grants = concurrently(
            conn, lambda: conn.auth_enabled() if (pairs or creating) else True,
            lambda: conn.check_passwords(pairs), lambda: self._login_grants(conn, users, profile))
        current_pairs = current_password_checks(self.requests, works)
        current_ok = conn.check_passwords(current_pairs)
        # A concurrent run may have finished the same rotation between the two
        # checks: if the new password works now, that user has converged.
        rechecked = conn.check_passwords([(name, self.by_name[name]['password'])
                                          for name, dummy in current_pairs if not current_ok.get(name)])
        works.update((name, True) for name, ok in rechecked.items() if ok)
        current_ok.update(rechecked)
        return UserState(users, roles, profile, conn.user, works, current_ok, auth_enabled, login_grants)

    # ----- plan (pure) ------------------------------------------------------
    def _late_policy_problems(self, state):
        """password_policy auto follows the uri's host before any request; a
        Zilliz Cloud cluster known only by its answer (a private endpoint) gets
        the Zilliz Cloud rules here, still before the first change."""
        auto = self.params.get('password_policy') in (None, 'auto')
        if self.policy == 'zilliz' or not state.profile.zilliz or not auto:
            return []
        return [problem for request in self.requests if request['state'] != 'absent'
                for problem in ('%s: %s' % (_label(request, self.batch), p)
                                for p in password_problems(request.get('password'), 'zilliz'))]

    def plan(self, state):
        problems = validate_against_state(self.requests, state, self.batch) + self._late_policy_problems(state)
        if problems:
            raise invalid(problems)
        current_pairs = [(name, None) for name in state.current_ok]
        problems = current_password_problems(current_pairs, state.current_ok, self.batch)
        if problems:
            raise ZillizError(AUTH_FAILED, '; '.join(problems))
        protected = protected_users(state.login_user, self.params.get('protected_users'))
        plans = plan_users(self.requests, state, state.password_works, self.params.get('exclusive'), protected)
        problems = self_lockout_problems(plans, state) + self.clean_up_limit_problems(plans) + \
            self._rotation_problems(plans, state)
        # password_policy zilliz also stands for the Zilliz Cloud limit (a private endpoint the profile may
        # not recognise by its host).
        limit = state.profile.max_users or (ZILLIZ_MAX_USERS if self.policy == 'zilliz' else None)
        total = users_after(state, plans)
        if limit is not None and total > max(limit, len(state.users)):
            problems.append('the cluster would hold %d users; a Zilliz Cloud cluster holds at most %d (it has %d '
                            'now)' % (total, limit, len(state.users)))
        if problems:
            raise invalid(problems)
        warnings = self.profile_warnings(state.profile)
        if not state.auth_enabled:
            warnings.append(auth_disabled_warning(self.params.get('uri'), self.requests, state,
                                                  password_checks(self.requests, state)))
        if self.params.get('exclusive') and not state.login_user:
            warnings.append('Connected with an API key: the connecting identity is unknown, so exclusive mode '
                            'cannot protect it; list it in protected_users.')
        return Plan(plans, warnings)

    def _rotation_problems(self, plans, state):
        """A password change without the user's current password is accepted
        only from a login user listed in the server's common.security.superUsers,
        which no request can tell; login_superuser says so. Without it such a
        change is refused here, in check mode as in a real run, before any change."""
        if self.params.get('login_superuser'):
            return []
        names = [plan.name for plan in plans if plan.name != state.login_user and any(
            a.kind == UPDATE_PASSWORD for a in plan.actions) and not self.by_name[plan.name].get('current_password')]
        if not names:
            return []
        labels = ', '.join(_label(self.by_name[name], self.batch) for name in names)
        return ['%s: the password would change without current_password, which the server accepts only from a '
                'login user listed in its common.security.superUsers: give current_password, or set '
                'login_superuser: true if %s is such a user' % (labels, state.login_user or 'the login user')]

    # ----- apply (the only writes) ------------------------------------------
    def phases(self, plans, state):
        return execution_phases(ordered_actions(plans, state.login_user), state.login_user)

    def apply(self, conn, action):
        """Make one RPC. DONE, or CONVERGED when another run had already done it."""
        request = self.by_name.get(action.subject, {})
        try:
            if action.kind == CREATE_USER:
                conn.create_user(action.subject, request['password'])
            elif action.kind == UPDATE_PASSWORD:
                # The server checks the old password unless the caller is a superuser. For
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
        except ZillizError as error:
            return self._settle_refusal(conn, action, request, error)
        return DONE

    def _settle_refusal(self, conn, action, request, error):
        """A refusal that may mean "already done" is settled by looking: the
        password this run sets authenticates. Otherwise the error, worded for
        this action."""
        kind = refusal(error)
        if action.kind == CREATE_USER and kind in (ALREADY_EXISTS, USER_LIMIT):
            # Up to 2.5 AddCredential checks the user limit before existence
            # (internal/rootcoord/meta_table.go), so a retried creation that had
            # gone through may be refused for the limit instead.
            if conn.authenticates(action.subject, request['password']):
                return self.settled(error)
            if kind == ALREADY_EXISTS:
                return CONVERGED        # another run created it first, with its own password
        if action.kind == UPDATE_PASSWORD and kind == OLD_PASSWORD_WRONG \
                and conn.authenticates(action.subject, request['password']):
            return self.settled(error)        # this run's lost write, or another run set this password
        if kind == USER_LIMIT:
            raise ZillizError(LIMIT_EXCEEDED, 'The server refused to create user %s: it holds as many users as it '
                              'may (self-hosted: proxy.maxUserNum, 100 by default, root included; Zilliz Cloud: 100 '
                              'users). Drop users no longer needed (exclusive: true does it first) or raise the '
                              'limit. Server said: %s' % (action.subject, server_message(error)), refusal=kind)
        if action.kind == UPDATE_PASSWORD and kind == OLD_PASSWORD_WRONG:
            if request.get('current_password'):
                msg = ('current_password is not the current password of user %s, so the server refused to change '
                       'it; nothing else was changed for this user' % action.subject)
            else:
                msg = ('The server refused to change the password of user %s without its current password: set '
                       'current_password, or connect as a user listed in the server\'s common.security.superUsers'
                       % action.subject)
            raise ZillizError(AUTH_FAILED, msg, refusal=kind)
        raise error

    # ----- settle and verify (reads only) -----------------------------------
    def settle(self, conn, state, outcome):
        """A user another run created first has that run's password. With
        update_password=always this run's password must win, as it would on any
        later run: the password changes to make now."""
        if not state.auth_enabled:
            return []
        raced = [a.subject for a in outcome.converged if a.kind == CREATE_USER
                 and self.by_name[a.subject]['update_password'] == 'always']
        pairs = [(name, self.by_name[name]['password']) for name in raced]
        return [Action(UPDATE_PASSWORD, name) for name, ok in sorted(conn.check_passwords(pairs).items()) if not ok]

    def verify(self, conn, state, outcome):
        """A changed password must authenticate. A user this run created needs no
        login: the server stored the password it was sent (its length and bytes
        were validated), and a refused creation counted as done was settled by
        logging in. That saves a login, and the server's hashing, per new user."""
        if not state.auth_enabled:
            return      # any password "works": nothing can be verified
        to_verify = [(plan.name, self.by_name[plan.name]['password']) for plan in outcome.plans
                     if UPDATE_PASSWORD in outcome.kinds_for(plan)]
        failing = sorted(name for name, ok in conn.check_passwords(to_verify).items() if not ok)
        if failing:
            raise ZillizError(SERVER_ERROR, 'The password of user%s %s was set but does not authenticate'
                              % ('s' if len(failing) > 1 else '', ', '.join(failing)))

    # ----- report -----------------------------------------------------------
    def subject_result(self, plan, actions):
        return user_result(plan, actions)

    def single_result(self, entry):
        return dict(user=dict(name=entry['name'], exists=entry['exists'], roles=entry['roles']),
                    password_changed=entry['password_changed'], actions=entry['actions'])

    def diff_entry(self, plan, actions):
        return diff_entry(plan, actions)

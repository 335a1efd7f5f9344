# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Roles: desired roles and privileges + what the server holds -> a plan
(pure), applied by the shared engine.

A role's privileges are compared as grant keys (object type, object name,
database, privilege; object type None for a privilege-group grant made with
OperatePrivilegeV2), over every database the server lists plus the grants
stored under database `*` (which SelectGrant adds to every answer).

INTERNAL: private to the zilliz.cloud collection.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.zilliz.cloud.plugins.module_utils._engine import (
    CONVERGED, DONE, Action, Reconciler, SubjectPlan, batch_items, chains, concurrently, invalid, item_label,
    max_drops_problem, unlisted_drops,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._errors import (
    INVALID_INPUT, SERVER_ERROR, ZillizError, server_message,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._privileges import (
    format_grant, grant_from_entity, grant_key, grants_allow_access_management, item_from_key,
    privilege_item_problems, related_grant_keys,
)

from ansible_collections.zilliz.cloud.plugins.module_utils._validation import (
    effective_policy, is_zilliz_cloud_uri, role_name_problems,
)

ROLE_ITEM_OPTIONS = ('name', 'state', 'privileges', 'privileges_mode')

CREATE_ROLE = 'create_role'
GRANT = 'grant'
REVOKE = 'revoke'
# A wanted grant that a revoke takes away with it (revoking Load drops
# GetLoadState on 2.3.6+): granted again after the revokes.
REGRANT = 'regrant'
DROP_ROLE = 'drop_role'

MILVUS_BUILTIN_ROLES = ('admin', 'public')
ZILLIZ_BUILTIN_ROLES = ('db_admin', 'db_rw', 'db_ro')
ALL_DATABASES = '*'
ZILLIZ_MAX_CUSTOM_ROLES = 20
# OperatePrivilegeV2 (privilege groups) came with Milvus 2.4.18.
V2_MIN_VERSION = (2, 4, 18)
# From 2.3.6 the server grants (and revokes) related privileges along with
# some (Load brings GetLoadState and GetLoadingProgress; milvus-io/milvus#30154).
RELATED_MIN_VERSION = (2, 3, 6)


def needs_privilege_v2(key):
    """Whether a grant key is one only OperatePrivilegeV2 makes and revokes."""
    return item_from_key(key)['object_type'] is None


def builtin_roles(zilliz):
    """Roles the modules never change or drop: Milvus' own, and on Zilliz
    Cloud its built-in db_admin, db_rw and db_ro (on self-hosted Milvus those
    names are ordinary custom roles)."""
    return frozenset(MILVUS_BUILTIN_ROLES + (ZILLIZ_BUILTIN_ROLES if zilliz else ()))


def parse_version(text):
    """(major, minor, patch) from a server version such as 'v2.3.5-lite', or None."""
    match = re.search(r'(\d+)\.(\d+)\.(\d+)', text or '')
    return tuple(int(part) for part in match.groups()) if match else None


def supports_privilege_groups(version_text):
    version = parse_version(version_text)
    return version is None or version >= V2_MIN_VERSION      # unknown (Zilliz Cloud): let the server decide


def adds_related_privileges(version_text):
    version = parse_version(version_text)
    return version is None or version >= RELATED_MIN_VERSION


def _related(keys):
    return set().union(*[related_grant_keys(key) for key in keys]) if keys else set()


def _normalise_privileges(items):
    """Privilege items in canonical form, duplicates folded, or None when not given."""
    if items is None:
        return None
    keyed = {}
    for item in items:
        key = grant_key(item)
        keyed.setdefault(key, item)
    return keyed


def build_requests(params):
    """Normalised per-role requests from module params (single or batch form)."""
    return batch_items(params, 'roles', ROLE_ITEM_OPTIONS, own=('name', 'privileges'),
                       defaults=dict(state='present', privileges_mode='exact'))


def _label(request, batch):
    return item_label('role', 'roles', request, batch)


def validate_requests(requests, batch, zilliz, name_policy, check_names=True):
    """Every problem with the requests that needs no server. Empty when valid."""
    problems = []
    seen = {}
    builtin = builtin_roles(zilliz)
    for request in requests:
        label = _label(request, batch)
        name = request.get('name')
        problems.extend('%s: %s' % (label, p) for p in role_name_problems(name, name_policy))
        if name in seen:
            problems.append('%s: role %s is listed twice (also roles[%d])' % (label, name, seen[name]))
        seen.setdefault(name, request['index'])
        privileges = request.get('privileges')
        if name == 'admin' and (request['state'] == 'absent' or privileges is not None):
            problems.append('%s: refusing to change admin: it holds every privilege already (the server would '
                            'accept grants to it, which change nothing)' % label)
        elif name in builtin and request['state'] == 'absent':
            problems.append('%s: refusing to drop the built-in role %s' % (label, name))
        elif zilliz and name in ZILLIZ_BUILTIN_ROLES and privileges is not None:
            problems.append('%s: refusing to change the privileges of %s, a built-in role of Zilliz Cloud' % (
                label, name))
        if request['state'] == 'absent' and privileges:
            problems.append('%s: state=absent takes no privileges (the role is dropped with all of them)' % label)
        for position, item in enumerate(privileges or ()):
            item_label = '%s privileges[%d]' % (label, position)
            problems.extend(privilege_item_problems(item, item_label, check_names))
    return problems


class RoleState:
    """What the server holds: roles with members, databases, the grants of the
    roles that were read ({role: set(grant keys)}), and its version."""

    def __init__(self, members, databases, grants, version=None):
        self.members = dict((name, frozenset(users)) for name, users in members.items())
        self.databases = list(databases)
        self.grants = dict((name, frozenset(keys)) for name, keys in grants.items())
        self.version = version

    def exists(self, name):
        return name in self.members


def read_grants(conn, roles, databases):
    """{role: set(grant keys)} over every database, one SelectGrant per role
    and database, concurrently (each is one round trip)."""
    pairs = [(role, db) for role in roles for db in databases]
    grants = dict((role, set()) for role in roles)
    for (role, dummy), entities in zip(pairs, conn.map(lambda pair: conn.role_grants(*pair), pairs)):
        grants[role].update(grant_key(grant_from_entity(*entity)) for entity in entities)
    return grants


def validate_against_state(requests, state, batch, v2_supported):
    problems = []
    known_dbs = set(state.databases) | set((ALL_DATABASES,))
    for request in requests:
        label = _label(request, batch)
        for position, item in enumerate(request.get('privileges') or ()):
            item_label = '%s privileges[%d]' % (label, position)
            db_name = item.get('db_name') or 'default'
            if db_name not in known_dbs:
                problems.append('%s: database %r does not exist (existing: %s); the server would accept the grant '
                                'but it would apply to nothing and read as a change on every run'
                                % (item_label, db_name, ', '.join(state.databases)))
            if item.get('object_type') is None and not v2_supported:
                problems.append('%s: %s without object_type is a privilege-group grant (OperatePrivilegeV2), which '
                                'this server (version %s) does not have: it came with Milvus 2.4.18; give '
                                'object_type for a classic grant' % (item_label, item.get('privilege'),
                                                                     state.version or 'unknown'))
    return problems


def _grant_action(kind, role, key):
    return Action(kind, role, key, '%s:%s' % (GRANT if kind == REGRANT else kind, format_grant(key)))


def _snapshot(exists, keys):
    items = [item_from_key(key) for key in sorted(keys, key=_sort_key)] if exists else []
    return dict(exists=exists, privileges=items)


def _sort_key(key):
    return tuple('' if part is None else part for part in key)


def _privilege_changes(request, current, related):
    """(grants, revokes, regrants, after). With `related`, the server adds and
    drops the related privileges of a grant with it: exact keeps what a desired
    grant brings, wanted grants that a revoke drops are granted again after
    it, and `after` predicts what the server will hold."""
    desired = request.get('privileges')
    if desired is None:
        return set(), set(), set(), set(current)
    desired = set(_normalise_privileges(desired))
    implied = _related(desired) if related else set()
    mode = request['privileges_mode']
    grants = desired - current if mode in ('exact', 'append') else set()
    if mode == 'exact':
        revokes = current - desired - implied
    elif mode == 'remove':
        revokes = current & desired
    else:
        revokes = set()
    dropped_along = (_related(revokes) - revokes) if related else set()
    after = (current | grants | (_related(grants) if related else set())) - revokes - dropped_along
    regrants = ((desired if mode != 'remove' else set()) & dropped_along) - grants
    return grants, revokes, regrants, after | regrants


def plan_roles(requests, state, exclusive=False, protected=(), builtin=()):
    """The SubjectPlans that take the server from `state` to `requests` (pure)."""
    related = adds_related_privileges(state.version)
    plans = []
    for request in requests:
        name = request['name']
        exists = state.exists(name)
        current = set(state.grants.get(name, ()))
        before = _snapshot(exists, current)
        if request['state'] == 'absent':
            actions = []
            if exists:
                actions = [_grant_action(REVOKE, name, key) for key in sorted(current, key=_sort_key)]
                actions.append(Action(DROP_ROLE, name))
            plans.append(SubjectPlan(name, 'absent', actions, before, _snapshot(False, ())))
            continue
        grants, revokes, regrants, after = _privilege_changes(request, current if exists else set(), related)
        actions = [] if exists else [Action(CREATE_ROLE, name)]
        actions += [_grant_action(GRANT, name, key) for key in sorted(grants, key=_sort_key)]
        actions += [_grant_action(REVOKE, name, key) for key in sorted(revokes, key=_sort_key)]
        actions += [_grant_action(REGRANT, name, key) for key in sorted(regrants, key=_sort_key)]
        plans.append(SubjectPlan(name, request['state'], actions, before, _snapshot(True, after)))
    if exclusive:
        listed = set(r['name'] for r in requests)
        for name in sorted(set(state.members) - listed - set(protected) - set(builtin)):
            current = state.grants.get(name, ())
            actions = [_grant_action(REVOKE, name, key) for key in sorted(current, key=_sort_key)]
            plans.append(SubjectPlan(name, 'absent', actions + [Action(DROP_ROLE, name)],
                                     _snapshot(True, current), _snapshot(False, ()), listed=False))
    return tuple(plans)


def login_user_roles_to_guard(members, login_user):
    """The roles whose privileges let the login user manage users and roles:
    its own, and public (whose privileges apply to every user). None when no
    role change can take that away: root is the superuser, admin cannot be
    changed, and an API key names no user."""
    if not login_user or login_user == 'root' or login_user in members.get('admin', ()):
        return None
    return sorted(set(name for name, users in members.items() if login_user in users) | set(('public',)))


def lockout_problems(plans, state, login_user):
    """A change that takes from the login user the privileges its own roles
    give it to manage users and roles is refused."""
    own = login_user_roles_to_guard(state.members, login_user)
    if not own:
        return []
    by_name = dict((plan.name, plan) for plan in plans)
    touched = [name for name in own if name in by_name and by_name[name].changed]
    if not touched:
        return []
    before = set().union(*[state.grants.get(name, ()) for name in own])
    after = set()
    for name in own:
        if name in by_name:
            after.update(grant_key(item) for item in by_name[name].after['privileges'])
        else:
            after.update(state.grants.get(name, ()))
    if grants_allow_access_management(before) and not grants_allow_access_management(after):
        return ['refusing to change role%s %s: user %s, which this task is connected as, would lose the privileges '
                'it needs to manage users and roles. Run the task as another admin (root or a user with the admin '
                'role)' % ('s' if len(touched) > 1 else '', ', '.join(touched), login_user)]
    return []


def role_info(name, members, keys, builtin):
    """A role as zilliz_role_info returns it."""
    return dict(name=name, builtin=name in builtin, users=sorted(members),
                privileges=_snapshot(True, keys)['privileges'])


_ROLE_LIMIT_TEXT = 'number of roles has reached the limit'


class RoleReconciler(Reconciler):
    """zilliz_role: the single form is the batch form with one item."""

    list_key = 'roles'
    everything_unlisted = 'every custom role'
    summary_rules = (('created', (CREATE_ROLE,), ()),
                     ('privileges_changed', (GRANT, REVOKE, REGRANT), (CREATE_ROLE, DROP_ROLE)),
                     ('dropped', (DROP_ROLE,), ()))

    def __init__(self, params, check_mode=False):
        super(RoleReconciler, self).__init__(params, check_mode)
        self.requests = build_requests(params)
        self.zilliz = is_zilliz_cloud_uri(params.get('uri'))
        self.builtin = builtin_roles(self.zilliz)
        self.name_policy = effective_policy(params.get('name_policy'), params.get('uri'))
        self.login_user = None

    def validate(self):
        return validate_requests(self.requests, self.batch, self.zilliz, self.name_policy,
                                 self.params.get('validate_privilege_names', True)) + self.clean_up_problems()

    def observe(self, conn):
        self.login_user = conn.user
        members, databases, version = concurrently(conn, conn.roles_with_members, conn.list_databases,
                                                   conn.server_version)
        listed = set(r['name'] for r in self.requests)
        # The login user's roles only when the lockout guard must look at them.
        wanted = listed | set(login_user_roles_to_guard(members, conn.user) or ())
        if self.params.get('exclusive'):
            wanted |= set(members) - self.builtin
        wanted = sorted(name for name in wanted if name in members and name != 'admin')
        # Each database's answer also carries the grants stored under `*`.
        grants = read_grants(conn, wanted, databases)
        state = RoleState(members, databases, grants, version)
        problems = validate_against_state(self.requests, state, self.batch, supports_privilege_groups(version))
        if problems:
            raise invalid(problems)
        return state

    def plan(self, state):
        params = self.params
        plans = plan_roles(self.requests, state, params.get('exclusive'), params.get('protected_roles') or (),
                           self.builtin)
        problems = lockout_problems(plans, state, self.login_user)
        too_many = max_drops_problem(unlisted_drops(plans), params.get('max_drops'), 'role')
        if too_many:
            problems.append(too_many)
        if self.zilliz:
            custom_after = len([n for n in state.members if n not in self.builtin]) + \
                sum(1 for p in plans for a in p.actions if a.kind == CREATE_ROLE) - \
                sum(1 for p in plans for a in p.actions if a.kind == DROP_ROLE)
            if custom_after > ZILLIZ_MAX_CUSTOM_ROLES:
                problems.append('the cluster would hold %d custom roles; a Zilliz Cloud cluster holds at most %d'
                                % (custom_after, ZILLIZ_MAX_CUSTOM_ROLES))
        if problems:
            raise invalid(problems)
        return plans

    def phases(self, plans, login_user):
        """Creations and grants first, then revokes (a role never loses for a
        moment the access it keeps), then the grants a revoke took along,
        then drops (each role's revokes, then the role)."""
        dropping = set(plan.name for plan in plans if any(a.kind == DROP_ROLE for a in plan.actions))
        actions = [a for plan in plans for a in plan.actions]
        grants = [a for a in actions if a.subject not in dropping and a.kind in (CREATE_ROLE, GRANT)]
        revokes = [a for a in actions if a.subject not in dropping and a.kind == REVOKE]
        regrants = [a for a in actions if a.subject not in dropping and a.kind == REGRANT]
        drops = [a for a in actions if a.subject in dropping]
        return [chains(grants), chains(revokes), chains(regrants), chains(drops)]

    def apply(self, conn, action):
        try:
            if action.kind == CREATE_ROLE:
                conn.create_role(action.subject)
            elif action.kind == DROP_ROLE:
                conn.drop_role(action.subject)
            else:
                self._operate(conn, action)
        except ZillizError as error:
            text = (error.details.get('server_detail') or error.msg).lower()
            # after_retry: the first attempt's answer was lost, so the refusal
            # is most likely of this run's own write.
            settled = DONE if getattr(error, 'after_retry', False) else CONVERGED
            if action.kind == CREATE_ROLE and 'already exist' in text:
                return settled        # this run's lost write, or another run created it first
            if action.kind == DROP_ROLE and 'not found the role' in text:
                return settled        # this run's lost write, or another run dropped it first
            if action.kind == CREATE_ROLE and _ROLE_LIMIT_TEXT in text:
                raise ZillizError(INVALID_INPUT, 'The server refused to create role %s: it holds as many roles as '
                                  'it may (Milvus proxy.maxRoleNum, 10 by default with admin and public; Zilliz '
                                  'Cloud: %d custom roles). Server said: %s'
                                  % (action.subject, ZILLIZ_MAX_CUSTOM_ROLES, server_message(error)))
            if 'not found the privilege' in text or 'not found the object type' in text:
                error.category = INVALID_INPUT
            raise
        return DONE

    def _operate(self, conn, action):
        object_type, object_name, db_name, privilege = action.target
        grant = action.kind in (GRANT, REGRANT)
        what = '%s %s %s role %s' % ('grant' if grant else 'revoke', format_grant(action.target),
                                     'to' if grant else 'from', action.subject)
        if needs_privilege_v2(action.target):
            # Only OperatePrivilegeV2 makes (and revokes) it: a group, or a Global privilege on one collection.
            conn.operate_privilege_v2(action.subject, grant, privilege, db_name, object_name, what)
        else:
            conn.operate_privilege(action.subject, grant, object_type, object_name, privilege, db_name, what)

    def verify(self, conn, state, outcome):
        """Read back the grants of every role whose privileges changed."""
        changed = [plan for plan in outcome.plans if plan.after['exists'] and
                   any(a.kind in (GRANT, REVOKE, REGRANT) for a in outcome.actions_for(plan))]
        if not changed:
            return
        now = read_grants(conn, [plan.name for plan in changed], state.databases)
        wrong = [plan.name for plan in changed
                 if now.get(plan.name, set()) != set(grant_key(item) for item in plan.after['privileges'])]
        if wrong:
            raise ZillizError(SERVER_ERROR, 'After the change, the privileges of role%s %s do not read back as '
                              'planned (another run changing them at the same time?); run again to converge'
                              % ('s' if len(wrong) > 1 else '', ', '.join(wrong)))

    def subject_result(self, plan, actions):
        entry = dict(name=plan.name, state=plan.state, changed=bool(actions), exists=plan.after['exists'],
                     privileges=plan.after['privileges'], actions=[str(a) for a in actions])
        if not plan.listed:
            entry['unlisted'] = True
        return entry

    def single_result(self, entry):
        return dict(role=dict(name=entry['name'], exists=entry['exists'], privileges=entry['privileges']),
                    actions=entry['actions'])

# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Roles: desired roles and privileges + what the server holds -> a plan
(pure), applied by the shared engine.

A role's privileges are compared as grant keys (object type, object name,
database, privilege), over every database: one SelectGrant per role where
the server lists every database's grants at once (the profile says so),
else one per role and database the server lists (plus the grants stored
under database `*`, which SelectGrant adds to every answer). Plans hold
grant keys; results are formatted as privilege items at the edge.

INTERNAL: private to the zilliz.cloud collection.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.zilliz.cloud.plugins.module_utils._engine import (
    DONE, Action, Plan, Reconciler, SubjectPlan, batch_items, chains, concurrently, invalid, item_label, unlisted,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._errors import (
    ALREADY_EXISTS, LIMIT_EXCEEDED, ROLE_HAS_PRIVILEGES, ROLE_LIMIT, ROLE_NOT_FOUND, SERVER_ERROR, ZillizError,
    refusal, server_message,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._privileges import (
    COLLECTION, files_under_known_type, format_grant, grant_from_entity, grant_key, grants_allow_access_management,
    item_from_key, privilege_item_problems, related_grant_keys,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._server import MILVUS_BUILTIN_ROLES
from ansible_collections.zilliz.cloud.plugins.module_utils._validation import effective_policy, role_name_problems

ROLE_ITEM_OPTIONS = ('name', 'state', 'privileges', 'privileges_mode')

CREATE_ROLE = 'create_role'
GRANT = 'grant'
REVOKE = 'revoke'
# A wanted grant that a revoke takes away with it (revoking Load drops
# GetLoadState where the server adds related privileges): granted again after the revokes.
REGRANT = 'regrant'
DROP_ROLE = 'drop_role'

ALL_DATABASES = '*'


def needs_privilege_v2(key):
    """Whether a grant key is one only OperatePrivilegeV2 makes and revokes."""
    return item_from_key(key)['object_type'] is None


def _related(keys):
    return set().union(*[related_grant_keys(key) for key in keys]) if keys else set()


def build_requests(params):
    """Normalised per-role requests from module params (single or batch form)."""
    return batch_items(params, 'roles', ROLE_ITEM_OPTIONS, own=('name', 'privileges'),
                       defaults=dict(state='present', privileges_mode='exact'))


def _label(request, batch):
    return item_label('role', 'roles', request, batch)


def _item_labels(request, batch):
    label = _label(request, batch)
    return [('%s privileges[%d]' % (label, position), item)
            for position, item in enumerate(request.get('privileges') or ())]


def validate_requests(requests, batch, name_policy, check_names=True):
    """Every problem with the requests that needs no server. Empty when valid."""
    problems = []
    for request in requests:
        label = _label(request, batch)
        name = request.get('name')
        problems.extend('%s: %s' % (label, p) for p in role_name_problems(name, name_policy))
        privileges = request.get('privileges')
        if name == 'admin' and (request['state'] == 'absent' or privileges is not None):
            problems.append('%s: refusing to change admin: it holds every privilege already (the server would '
                            'accept grants to it, which change nothing)' % label)
        elif name in MILVUS_BUILTIN_ROLES and request['state'] == 'absent':
            problems.append('%s: refusing to drop the built-in role %s' % (label, name))
        if request['state'] == 'absent' and privileges:
            problems.append('%s: state=absent takes no privileges (the role is dropped with all of them)' % label)
        for item_label_, item in _item_labels(request, batch):
            problems.extend(privilege_item_problems(item, item_label_, check_names))
    return problems


class RoleState:
    """What the server holds, as one frozen observation: roles with members,
    databases, the grants of the roles that were read ({role: frozenset of
    grant keys}), the server profile, the login user (None for an API key),
    whether any credential was sent, and the collection aliases of the
    databases whose grants name a collection ({db: {alias: collection}})."""

    def __init__(self, members, databases, grants, profile, login_user=None, credential=True, aliases=None):
        self.members = dict((name, frozenset(users)) for name, users in members.items())
        self.databases = tuple(databases)
        self.grants = dict((name, frozenset(keys)) for name, keys in grants.items())
        self.profile = profile
        self.login_user = login_user
        self.credential = credential
        self.aliases = dict((db, dict(names)) for db, names in (aliases or {}).items())

    def exists(self, name):
        return name in self.members


def read_grants(conn, roles, databases, profile):
    """{role: set(grant keys)} over every database: one SelectGrant per role
    where the server lists every database's grants with db_name '*', else one
    per role and database; concurrently (each is one round trip)."""
    scopes = [ALL_DATABASES] if profile.lists_grants_of_every_database else list(databases)
    pairs = [(role, db) for role in roles for db in scopes]
    grants = dict((role, set()) for role in roles)
    for (role, dummy), entities in zip(pairs, conn.map(lambda pair: conn.role_grants(*pair), pairs)):
        grants[role].update(grant_key(grant_from_entity(*entity)) for entity in entities)
    return grants


def _named_collections(requests):
    """{db: set(collection names)} that the requests' privileges name (aliases are looked up there)."""
    named = {}
    for request in requests:
        for item in request.get('privileges') or ():
            name = item.get('object_name')
            if name and name != '*' and item.get('object_type') in (None, COLLECTION):
                named.setdefault(item.get('db_name') or 'default', set()).add(name)
    return named


def _desired_keys(items, current):
    """Grant keys of desired items. An item granted with OperatePrivilegeV2 is stored under the object type the
    server gives its privilege (util.GetObjectType), which for a name the tables do not know may not be the
    one grant_key guesses: a current grant with the same object, database and privilege is that item."""
    by_rest = dict((key[1:], key) for key in current)
    keys = set()
    for item in items:
        key = grant_key(item)
        if item.get('object_type') is None and key not in current and key[1:] in by_rest:
            key = by_rest[key[1:]]
        keys.add(key)
    return keys


def _comparable(keys):
    """Grant keys as verify compares them: the object type of a privilege no table knows is the server's to
    choose (util.GetObjectType), so it is left out of the comparison."""
    return set(key if files_under_known_type(key[3]) else (None,) + tuple(key[1:]) for key in keys)


def state_problems(requests, state, batch):
    """Problems only the server's state and profile reveal, before any change."""
    problems = []
    profile = state.profile
    known_dbs = set(state.databases) | set((ALL_DATABASES,))
    for request in requests:
        label = _label(request, batch)
        name = request['name']
        if name in profile.builtin_roles and name not in MILVUS_BUILTIN_ROLES:
            if request['state'] == 'absent':
                problems.append('%s: refusing to drop the built-in role %s of %s' % (label, name, profile.label))
            elif request.get('privileges') is not None:
                problems.append('%s: refusing to change the privileges of %s, a built-in role of %s'
                                % (label, name, profile.label))
        for item_label_, item in _item_labels(request, batch):
            privilege = item.get('privilege')
            db_name = item.get('db_name') or 'default'
            object_name = item.get('object_name')
            if db_name not in known_dbs:
                problems.append('%s: database %r does not exist (existing: %s); the server would accept the grant '
                                'but it would apply to nothing and read as a change on every run'
                                % (item_label_, db_name, ', '.join(state.databases)))
            if item.get('object_type') is None and not profile.privilege_groups:
                problems.append('%s: %s without object_type is a privilege-group grant (OperatePrivilegeV2), which '
                                '%s does not have: it came with Milvus 2.4.18; give object_type for a classic '
                                'grant' % (item_label_, privilege, profile.label))
            since = profile.privilege_since(privilege)
            if since:
                problems.append('%s: privilege %s came with Milvus %s; %s does not know it and would refuse it'
                                % (item_label_, privilege, '.'.join(str(p) for p in since), profile.label))
            collection = state.aliases.get(db_name, {}).get(object_name) \
                if item.get('object_type') in (None, COLLECTION) else None
            if collection:
                problems.append('%s: %s is an alias of collection %s in database %s; %s stores grants under the '
                                "collection's own name, so the grant would never read back as given: write "
                                'object_name: %s' % (item_label_, object_name, collection, db_name, profile.label,
                                                     collection))
    wants_grants = any(request.get('privileges') for request in requests if request['state'] != 'absent')
    if wants_grants and not state.credential:
        problems.append('granting or revoking privileges needs a credential (login_user and login_password, or '
                        'token) even where authentication is disabled: the server reads the caller from the '
                        'request and refuses privilege changes without one')
    return problems


def _snapshot(exists, keys):
    return dict(exists=exists, grants=frozenset(keys) if exists else frozenset())


def _sort_key(key):
    return tuple('' if part is None else part for part in key)


def privilege_items(keys):
    """Grant keys as the privilege items zilliz_role takes, in a stable order. An item only
    OperatePrivilegeV2 grants has no object_type key (an explicit null would fail the option's choices
    when the item is handed back)."""
    return [dict((k, v) for k, v in item_from_key(key).items() if v is not None)
            for key in sorted(keys, key=_sort_key)]


def _shown(snapshot):
    return dict(exists=snapshot['exists'], privileges=privilege_items(snapshot['grants']))


def _grant_action(kind, role, key):
    return Action(kind, role, key, '%s:%s' % (GRANT if kind == REGRANT else kind, format_grant(key)))


def _privilege_changes(request, current, related):
    """(grants, revokes, regrants, after). With `related`, the server adds and
    drops the related privileges of a grant with it: exact keeps what a desired
    grant brings, wanted grants that a revoke drops are granted again after
    it, and `after` predicts what the server will hold."""
    items = request.get('privileges')
    if items is None:
        return set(), set(), set(), set(current)
    desired = _desired_keys(items, current)
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


def _drop_plan(name, current, listed=True):
    """Revoke every grant the role holds (the server refuses to drop a role with grants), then drop it."""
    actions = [_grant_action(REVOKE, name, key) for key in sorted(current, key=_sort_key)]
    return SubjectPlan(name, 'absent', actions + [Action(DROP_ROLE, name)], _snapshot(True, current),
                       _snapshot(False, ()), listed=listed)


def plan_roles(requests, state, exclusive=False, protected=()):
    """The SubjectPlans that take the server from `state` to `requests` (pure)."""
    related = state.profile.adds_related_privileges
    plans = []
    for request in requests:
        name = request['name']
        exists = state.exists(name)
        current = set(state.grants.get(name, ()))
        if request['state'] == 'absent':
            plans.append(_drop_plan(name, current) if exists else
                         SubjectPlan(name, 'absent', [], _snapshot(False, ()), _snapshot(False, ())))
            continue
        grants, revokes, regrants, after = _privilege_changes(request, current if exists else set(), related)
        actions = [] if exists else [Action(CREATE_ROLE, name)]
        actions += [_grant_action(GRANT, name, key) for key in sorted(grants, key=_sort_key)]
        actions += [_grant_action(REVOKE, name, key) for key in sorted(revokes, key=_sort_key)]
        actions += [_grant_action(REGRANT, name, key) for key in sorted(regrants, key=_sort_key)]
        plans.append(SubjectPlan(name, request['state'], actions, _snapshot(exists, current), _snapshot(True, after)))
    if exclusive:
        for name in unlisted(state.members, requests, set(protected) | state.profile.builtin_roles):
            plans.append(_drop_plan(name, state.grants.get(name, ()), listed=False))
    return tuple(plans)


def login_user_roles_to_guard(members, login_user):
    """The roles whose privileges let the login user manage users and roles:
    its own, and public (whose privileges apply to every user). None when no
    role change can take that away: root is the superuser, admin cannot be
    changed, and an API key names no user."""
    if not login_user or login_user == 'root' or login_user in members.get('admin', ()):
        return None
    return sorted(set(name for name, users in members.items() if login_user in users) | set(('public',)))


def lockout_problems(plans, state):
    """A change that takes from the login user the privileges its own roles
    give it to manage users and roles is refused."""
    login_user = state.login_user
    own = login_user_roles_to_guard(state.members, login_user)
    if not own:
        return []
    by_name = dict((plan.name, plan) for plan in plans)
    touched = [name for name in own if name in by_name and by_name[name].changed]
    if not touched:
        return []
    before = set().union(*[state.grants.get(name, ()) for name in own])
    after = set().union(*[by_name[name].after['grants'] if name in by_name else state.grants.get(name, ())
                          for name in own])
    if grants_allow_access_management(before) and not grants_allow_access_management(after):
        return ['refusing to change role%s %s: user %s, which this task is connected as, would lose the privileges '
                'it needs to manage users and roles. Run the task as another admin (root or a user with the admin '
                'role)' % ('s' if len(touched) > 1 else '', ', '.join(touched), login_user)]
    return []


def role_info(name, members, keys, builtin):
    """A role as zilliz_role_info returns it."""
    return dict(name=name, builtin=name in builtin, users=sorted(members), privileges=privilege_items(keys))


def read_roles(conn, name=None):
    """(roles as zilliz_role_info returns them, databases): every role, or only `name`."""
    members, databases, profile = concurrently(conn, conn.roles_with_members, conn.list_databases, conn.profile)
    if name is not None:
        members = dict((n, users) for n, users in members.items() if n == name)
    grants = read_grants(conn, [n for n in members if n != 'admin'], databases, profile)
    return [role_info(n, members[n], grants.get(n, ()), profile.builtin_roles) for n in sorted(members)], databases


class RoleReconciler(Reconciler):
    """zilliz_role: the single form is the batch form with one item."""

    list_key = 'roles'
    noun = 'role'
    everything_unlisted = 'every custom role'
    summary_rules = (('created', (CREATE_ROLE,), ()),
                     ('privileges_changed', (GRANT, REVOKE, REGRANT), (CREATE_ROLE, DROP_ROLE)),
                     ('dropped', (DROP_ROLE,), ()))

    def __init__(self, params, check_mode=False):
        super(RoleReconciler, self).__init__(params, check_mode)
        self.requests = build_requests(params)
        self.name_policy = effective_policy(params.get('name_policy'), params.get('uri'))

    def validate(self):
        return validate_requests(self.requests, self.batch, self.name_policy,
                                 self.params.get('validate_privilege_names', True)) + self.common_problems()

    def observe(self, conn):
        members, databases, profile = concurrently(conn, conn.roles_with_members, conn.list_databases, conn.profile)
        listed = set(r['name'] for r in self.requests)
        # The login user's roles only when the lockout guard must look at them.
        wanted = listed | set(login_user_roles_to_guard(members, conn.user) or ())
        if self.params.get('exclusive'):
            wanted |= set(members) - profile.builtin_roles
        wanted = sorted(name for name in wanted if name in members and name != 'admin')
        named = _named_collections(self.requests) if profile.resolves_collection_aliases else {}
        named_dbs = sorted(db for db in named if db in databases)
        grants, aliases = concurrently(conn, lambda: read_grants(conn, wanted, databases, profile),
                                       lambda: conn.map(conn.collection_aliases, named_dbs))
        return RoleState(members, databases, grants, profile, conn.user, conn.has_credential,
                         dict(zip(named_dbs, aliases)))

    def plan(self, state):
        params = self.params
        problems = state_problems(self.requests, state, self.batch)
        if state.profile.zilliz and self.name_policy != 'zilliz' and params.get('name_policy') in (None, 'auto'):
            # name_policy auto follows the uri's host; a Zilliz Cloud cluster known only by its answer gets
            # the Zilliz Cloud rules here, still before the first change.
            problems += ['%s: %s' % (_label(r, self.batch), p) for r in self.requests
                         for p in role_name_problems(r['name'], 'zilliz')]
        if problems:
            raise invalid(problems)
        plans = plan_roles(self.requests, state, params.get('exclusive'), params.get('protected_roles') or ())
        problems = lockout_problems(plans, state) + self.clean_up_limit_problems(plans)
        limit = state.profile.max_custom_roles
        if limit is not None:
            custom_after = len([n for n in state.members if n not in state.profile.builtin_roles]) + \
                self.count(plans, CREATE_ROLE) - self.count(plans, DROP_ROLE)
            if custom_after > limit:
                problems.append('the cluster would hold %d custom roles; %s holds at most %d'
                                % (custom_after, state.profile.label, limit))
        if problems:
            raise invalid(problems)
        return Plan(plans, self.profile_warnings(state.profile))

    def phases(self, plans, state):
        """Drops first (each role's revokes, then the role: frees room under the
        role limit), then creations and grants, then revokes (a role never loses
        for a moment the access it keeps), then the grants a revoke took along."""
        dropping = set(plan.name for plan in plans if any(a.kind == DROP_ROLE for a in plan.actions))
        actions = [a for plan in plans for a in plan.actions]
        drops = [a for a in actions if a.subject in dropping]
        kept = [a for a in actions if a.subject not in dropping]
        grants = [a for a in kept if a.kind in (CREATE_ROLE, GRANT)]
        revokes = [a for a in kept if a.kind == REVOKE]
        regrants = [a for a in kept if a.kind == REGRANT]
        return [chains(drops), chains(grants), chains(revokes), chains(regrants)]

    def apply(self, conn, action):
        try:
            if action.kind == CREATE_ROLE:
                conn.create_role(action.subject)
            elif action.kind == DROP_ROLE:
                conn.drop_role(action.subject)
            else:
                self._operate(conn, action)
        except ZillizError as error:
            kind = refusal(error)
            if action.kind == CREATE_ROLE and kind == ALREADY_EXISTS:
                return self.settled(error)   # this run's lost write, or another run created it first
            if action.kind == DROP_ROLE and kind == ROLE_NOT_FOUND:
                return self.settled(error)   # this run's lost write, or another run dropped it first
            if kind == ROLE_LIMIT:
                raise ZillizError(LIMIT_EXCEEDED, 'The server refused to create role %s: it holds as many roles '
                                  'as it may (Milvus: proxy.maxRoleNum, 10 by default, admin and public included; '
                                  'Zilliz Cloud: 20 custom roles). Drop roles no longer needed (exclusive: true '
                                  'does it first) or raise the limit. Server said: %s'
                                  % (action.subject, server_message(error)), refusal=kind)
            if action.kind == DROP_ROLE and kind == ROLE_HAS_PRIVILEGES:
                raise ZillizError(SERVER_ERROR, 'The server refused to drop role %s: it still holds privileges '
                                  'that could not be read (grants in a database the login user cannot list, or, '
                                  'on Milvus 2.3, in a database that no longer exists). Revoke them (zilliz_role '
                                  'with privileges_mode: remove and their db_name), then drop the role. Server '
                                  'said: %s' % (action.subject, server_message(error)), refusal=kind)
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
        """Read back the grants of every role whose privileges changed (reads only)."""
        changed = [plan for plan in outcome.plans if plan.after['exists'] and
                   outcome.kinds_for(plan) & set((GRANT, REVOKE, REGRANT))]
        if not changed:
            return
        now = read_grants(conn, [plan.name for plan in changed], state.databases, state.profile)
        wrong = [plan.name for plan in changed
                 if _comparable(now.get(plan.name, set())) != _comparable(plan.after['grants'])]
        if wrong:
            raise ZillizError(SERVER_ERROR, 'After the change, the privileges of role%s %s do not read back as '
                              'planned (another run changing them at the same time?); run again to converge'
                              % ('s' if len(wrong) > 1 else '', ', '.join(wrong)))

    def subject_result(self, plan, actions):
        entry = dict(name=plan.name, state=plan.state, changed=bool(actions), exists=plan.after['exists'],
                     privileges=privilege_items(plan.after['grants']), actions=[str(a) for a in actions])
        return self.mark_unlisted(plan, entry)

    def single_result(self, entry):
        return dict(role=dict(name=entry['name'], exists=entry['exists'], privileges=entry['privileges']),
                    actions=entry['actions'])

    def diff_entry(self, plan, actions):
        return _shown(plan.before), _shown(plan.after)

# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The reconcile engine shared by zilliz_user and zilliz_role.

    validate (pure) -> observe (read the server, run probes) -> plan (pure,
    immutable) -> apply (the only writes) -> verify

A Reconciler describes one kind of subject (users, roles): how to read it,
plan it, apply one action and verify the result. `reconcile()` runs the
steps in that order for every kind alike, so check mode is the same code
path as a real run that stops after planning. Plans are never rewritten:
what was really done (an action another run had already done "converged",
an extra action a race made necessary) is recorded in an Outcome beside
the plan, and results are built from both.

INTERNAL: private to the zilliz.cloud collection.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import threading

from ansible_collections.zilliz.cloud.plugins.module_utils._errors import INVALID_INPUT, ZillizError

DONE = 'done'
CONVERGED = 'converged'


class Action:
    """One request the executor will make on one subject. Immutable; never holds a secret.

    target: what the action is about (a role name, a grant key), or None;
    text: how it is reported, when `kind:target` does not say it well.
    (Not a tuple subclass: `'%s' % action` must format, not unpack.)"""

    __slots__ = ('kind', 'subject', 'target', 'text')

    def __init__(self, kind, subject, target=None, text=None):
        for slot, value in zip(self.__slots__, (kind, subject, target, text)):
            object.__setattr__(self, slot, value)

    def __setattr__(self, name, value):
        raise AttributeError('Action is immutable')

    def _key(self):
        return (self.kind, self.subject, self.target)

    def __eq__(self, other):
        return isinstance(other, Action) and self._key() == other._key()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return 'Action(%s@%s)' % (self, self.subject)

    def __str__(self):
        if self.text:
            return self.text
        return '%s:%s' % (self.kind, self.target) if self.target is not None else self.kind


class SubjectPlan(collections.namedtuple('SubjectPlan', 'name state actions before after listed')):
    """What one subject (a user, a role) needs: its actions, in order, and the
    before/after snapshots they imply. `listed` is False for subjects that
    only an exclusive clean-up touches."""

    __slots__ = ()

    def __new__(cls, name, state, actions, before, after, listed=True):
        return super(SubjectPlan, cls).__new__(cls, name, state, tuple(actions), before, after, listed)

    @property
    def changed(self):
        return bool(self.actions)


class Outcome:
    """What a run did, beside the (unchanged) plans. Thread-safe recording."""

    def __init__(self, plans, applied=True):
        self.plans = tuple(plans)
        self.applied = applied          # False in check mode: the plans are what "would" be done
        self.done = []
        self.converged = []
        self._lock = threading.Lock()

    def record(self, action, how):
        with self._lock:
            (self.converged if how == CONVERGED else self.done).append(action)

    def actions_for(self, plan):
        """The actions reported for one subject: planned ones in check mode;
        otherwise those done, in plan order, then extra ones a race needed."""
        if not self.applied:
            return list(plan.actions)
        done = set(a for a in self.done if a.subject == plan.name)
        extra = [a for a in self.done if a.subject == plan.name and a not in plan.actions]
        return [a for a in plan.actions if a in done] + extra

    def changed_for(self, plan):
        return bool(self.actions_for(plan))

    @property
    def changed(self):
        return any(self.changed_for(plan) for plan in self.plans)


def batch_items(params, list_key, options, own=(), defaults=None):
    """The requests of a module that takes one subject (top-level options) or
    a list of them (`list_key`). Items inherit what they leave out from the
    top level, except the options in `own` (name, secrets, ...); `defaults`
    fills what is still unset. Each request gets its `index`."""
    top = dict((key, params.get(key)) for key in options)
    if params.get(list_key) is None:
        items = [top]
    else:
        items = []
        for item in params[list_key]:
            merged = dict(top, **dict((key, None) for key in own))
            merged.update(dict((k, v) for k, v in item.items() if v is not None))
            items.append(merged)
    requests = []
    for index, item in enumerate(items):
        request = dict((key, item.get(key)) for key in options)
        for key, value in (defaults or {}).items():
            if request.get(key) is None:
                request[key] = value
        request['index'] = index
        requests.append(request)
    return requests


def item_label(noun, list_key, request, batch):
    """How a problem names the request it is about: `users[3] (etl)` or `user etl`."""
    name = request.get('name')
    if batch:
        return '%s[%d] (%s)' % (list_key, request['index'], name if name else 'no name')
    return '%s %s' % (noun, name) if name else 'the %s' % noun


def summarise(plans, actions_for, rules):
    """Subject names by outcome. rules: (label, kinds that put a subject
    there, kinds that keep it out) in order; `unchanged` comes last."""
    summary = dict((label, []) for label, dummy, dummy2 in rules)
    summary['unchanged'] = []
    for plan in plans:
        kinds = set(a.kind for a in actions_for(plan))
        if not kinds:
            summary['unchanged'].append(plan.name)
        for label, wanted, excluded in rules:
            if kinds & set(wanted) and not kinds & set(excluded):
                summary[label].append(plan.name)
    return summary


def invalid(problems):
    return ZillizError(INVALID_INPUT, 'Invalid input, nothing was changed: ' + '; '.join(problems))


def unlisted_drops(plans):
    return [plan.name for plan in plans if not plan.listed and plan.changed]


def max_drops_problem(names, max_drops, noun):
    """The exclusive clean-up guard: more drops than max_drops fails before any change."""
    if max_drops is None or len(names) <= max_drops:
        return None
    return ('exclusive would drop %d %s%s, more than max_drops=%d: %s. Nothing was changed; check that the list '
            'is complete, or raise max_drops' % (len(names), noun, 's' if len(names) > 1 else '', max_drops,
                                                 ', '.join(sorted(names))))


def concurrently(conn, *calls):
    """Independent requests (each a round trip) made at once on conn's
    channel; their results in order."""
    return conn.map(lambda call: call(), calls)


def chains(actions):
    """Actions grouped per subject, in order: one chain runs sequentially,
    different subjects' chains may run concurrently."""
    grouped = collections.OrderedDict()
    for action in actions:
        grouped.setdefault(action.subject, []).append(action)
    return list(grouped.values())


def execute(conn, phases, apply_one, outcome):
    """Run phases one after the other; within a phase, each chain in order
    and different chains concurrently. apply_one(conn, action) returns DONE or
    CONVERGED, or raises ZillizError. The first failure stops new work and is
    raised once the running calls have finished; what was done is in outcome."""
    failures = []
    lock = threading.Lock()

    def run_chain(chain):
        for action in chain:
            if failures:
                return
            try:
                how = apply_one(conn, action)
            except ZillizError as error:
                with lock:
                    failures.append(error)
                return
            outcome.record(action, how)

    for phase in phases:
        phase = [chain for chain in phase if chain]
        conn.map(run_chain, phase)
        if failures:
            raise failures[0]


class Reconciler:
    """One kind of subject. Subclasses implement the steps; `reconcile()`
    calls them in order. Every step but observe, apply and verify is pure."""

    list_key = None         # the batch option (`users`, `roles`)
    summary_rules = ()      # see summarise()

    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self.batch = params.get(self.list_key) is not None
        self.warnings = []

    # What an exclusive clean-up with an empty list would drop (for its refusal).
    everything_unlisted = None

    def validate(self):
        """Problems found without the server (empty list when valid)."""
        raise NotImplementedError

    def clean_up_problems(self):
        """The exclusive and max_drops options, checked the same way for every kind."""
        params, problems = self.params, []
        if params.get('exclusive') and not self.batch:
            problems.append('exclusive needs the %s list' % self.list_key)
        if params.get('exclusive') and self.batch and not params[self.list_key]:
            problems.append('exclusive with an empty %s list would drop %s: refused (is the list of %s missing?)'
                            % (self.list_key, self.everything_unlisted, self.list_key))
        if params.get('max_drops') is not None and params['max_drops'] < 0:
            problems.append('max_drops must be 0 or more')
        return problems

    def observe(self, conn):
        """Read what the plan needs; raise ZillizError for problems only the
        server's state reveals."""
        raise NotImplementedError

    def plan(self, state):
        """The SubjectPlans that take the server from `state` to the request (pure)."""
        raise NotImplementedError

    def phases(self, plans, login_user):
        """The plans' actions as execution phases (lists of chains)."""
        raise NotImplementedError

    def apply(self, conn, action):
        """Make one action's request: DONE, or CONVERGED when it was already done."""
        raise NotImplementedError

    def verify(self, conn, state, outcome):
        """After applying: settle races (recording extra actions) and prove the result."""

    # ----- reporting: built from the plans and the outcome, never a secret --
    def subject_result(self, plan, actions):
        """The result entry of one subject."""
        raise NotImplementedError

    def single_result(self, entry):
        """The top-level keys of the single-subject form, from its entry."""
        raise NotImplementedError

    def diff_entry(self, plan, actions):
        return plan.before, plan.after

    def _labels(self, actions):
        return [('%s:%s' % (a.subject, a)) if self.batch else str(a) for a in actions]

    def changes(self, outcome):
        """What to report when a run fails after changes began."""
        return dict(changed=bool(outcome.done), actions=self._labels(outcome.done))

    def result(self, outcome, diff=False):
        plans = outcome.plans
        actions = dict((plan.name, outcome.actions_for(plan)) for plan in plans)
        result = dict(changed=outcome.changed,
                      summary=summarise(plans, lambda plan: actions[plan.name], self.summary_rules))
        if self.batch:
            result[self.list_key] = [self.subject_result(plan, actions[plan.name]) for plan in plans]
            result['actions'] = ['%s:%s' % (plan.name, a) for plan in plans for a in actions[plan.name]]
        else:
            result.update(self.single_result(self.subject_result(plans[0], actions[plans[0].name])))
        if diff:
            # A batch diff lists only the subjects that change, so it stays readable at 100 of them.
            entries = [(plan.name, self.diff_entry(plan, actions[plan.name])) for plan in plans
                       if actions[plan.name] or not self.batch]
            if self.batch:
                result['diff'] = dict(before=dict((name, e[0]) for name, e in entries),
                                      after=dict((name, e[1]) for name, e in entries))
            else:
                result['diff'] = dict(before=entries[0][1][0], after=entries[0][1][1])
        return result


def reconcile(module, reconciler):
    """validate -> observe -> plan -> (check mode stops) -> apply -> verify.
    Returns the Outcome; a ZillizError raised after changes began carries
    `result` (what was done) in its details, for ZillizModule.fail_error."""
    problems = module.connection_problems() + reconciler.validate()
    if problems:
        raise invalid(problems)
    with module.connect() as conn:
        state = reconciler.observe(conn)
        plans = reconciler.plan(state)
        outcome = Outcome(plans, applied=not module.check_mode)
        if module.check_mode:
            return outcome
        try:
            execute(conn, reconciler.phases(plans, conn.user), reconciler.apply, outcome)
            reconciler.verify(conn, state, outcome)
        except ZillizError as error:
            error.details['result'] = reconciler.changes(outcome)
            raise
    return outcome

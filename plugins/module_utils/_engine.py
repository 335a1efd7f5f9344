# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The reconcile engine shared by zilliz_user and zilliz_role.

    validate (pure) -> observe (reads; returns one frozen state) -> plan
    (pure: the subjects' plans and the warnings) -> apply (the only writes)
    -> settle (reads; the extra writes a race made necessary, applied as a
    named step) -> verify (reads only)

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


class Plan(collections.namedtuple('Plan', 'subjects warnings')):
    """What plan() returns: the SubjectPlans and the warnings the state called for."""

    __slots__ = ()

    def __new__(cls, subjects, warnings=()):
        return super(Plan, cls).__new__(cls, tuple(subjects), tuple(warnings))


class Outcome:
    """What a run did, beside the (unchanged) plans. Thread-safe recording,
    indexed per subject so that reporting is linear in the list."""

    def __init__(self, plans, applied=True, warnings=()):
        self.plans = tuple(plans)
        self.applied = applied          # False in check mode: the plans are what "would" be done
        self.warnings = list(warnings)
        self.done = []
        self.converged = []
        self._done_by_subject = collections.defaultdict(list)
        self._lock = threading.Lock()

    def record(self, action, how):
        with self._lock:
            if how == CONVERGED:
                self.converged.append(action)
            else:
                self.done.append(action)
                self._done_by_subject[action.subject].append(action)

    def actions_for(self, plan):
        """The actions reported for one subject: planned ones in check mode;
        otherwise those done, in plan order, then extra ones a race needed."""
        if not self.applied:
            return list(plan.actions)
        done = self._done_by_subject.get(plan.name, ())
        if not done:
            return []
        planned = set(plan.actions)
        done_set = set(done)
        return [a for a in plan.actions if a in done_set] + [a for a in done if a not in planned]

    def kinds_for(self, plan):
        return set(a.kind for a in self.actions_for(plan))

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


def unlisted(existing, requests, protected=()):
    """What an exclusive clean-up drops: the subjects that exist, are not
    listed and are not protected, in name order."""
    return sorted(set(existing) - set(r['name'] for r in requests) - set(protected))


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


def combined_failure(failures, skipped=()):
    """One ZillizError for the (action, error) pairs of a phase that failed:
    the first error's message, then every other subject refused, those refused
    for the same reason by name only, then the subjects whose turn never came;
    the category is the first's."""
    first_action, first = failures[0]
    skipped = sorted(set(skipped))

    def alike(error):
        # The same known refusal: naming the subject says it all.
        return first.details.get('refusal') is not None and \
            (error.category, error.details.get('refusal')) == (first.category, first.details.get('refusal'))
    same = [action.subject for action, error in failures[1:] if alike(error)]
    other = [error.msg for action, error in failures[1:] if not alike(error)]
    msg = first.msg
    if same:
        msg += ' The same refusal for: %s.' % ', '.join(sorted(set(same)))
    if other:
        msg += ' Also: ' + ' '.join(other)
    if skipped:
        msg += ' Not done after that (run again to finish): %s.' % ', '.join(skipped)
    details = dict(first.details)
    details['refused'] = sorted(set([first_action.subject] + [action.subject for action, dummy in failures[1:]]))
    return ZillizError(first.category, msg, **details)


def execute(conn, phases, apply_one, outcome):
    """Run phases one after the other; within a phase, each chain in order
    and different chains concurrently. apply_one(conn, action) returns DONE or
    CONVERGED, or raises ZillizError. A failure stops new work; once the
    running calls have finished, every failure of the phase is raised as one
    error naming each subject refused; what was done is in outcome."""
    failures = []
    skipped = []
    lock = threading.Lock()

    def run_chain(chain):
        for action in chain:
            if failures:
                with lock:
                    skipped.append(action.subject)      # never started, or stopped half-way
                return
            try:
                how = apply_one(conn, action)
            except ZillizError as error:
                with lock:
                    failures.append((action, error))
                return
            outcome.record(action, how)

    for phase in phases:
        phase = [chain for chain in phase if chain]
        conn.map(run_chain, phase)
        if failures:
            raise combined_failure(failures, skipped)


class Reconciler:
    """One kind of subject. Subclasses implement the steps; `reconcile()`
    calls them in order. validate and plan are pure; observe, settle and
    verify only read; apply is the only step that writes."""

    list_key = None         # the batch option (`users`, `roles`)
    noun = None             # `user`, `role`
    summary_rules = ()      # see summarise()
    # What an exclusive clean-up with an empty list would drop (for its refusal).
    everything_unlisted = None

    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self.batch = params.get(self.list_key) is not None
        self.requests = []

    def validate(self):
        """Problems found without the server (empty list when valid)."""
        raise NotImplementedError

    # ----- pieces every kind shares ------------------------------------------
    def common_problems(self):
        """Names listed twice, and the exclusive and max_drops options: checked the same way for every kind."""
        params, problems, seen = self.params, [], {}
        for request in self.requests:
            name = request.get('name')
            if name and name in seen:
                problems.append('%s: %s %s is listed twice (also %s[%d])' % (
                    item_label(self.noun, self.list_key, request, self.batch), self.noun, name, self.list_key,
                    seen[name]))
            seen.setdefault(name, request['index'])
        if params.get('exclusive') and not self.batch:
            problems.append('exclusive needs the %s list' % self.list_key)
        if params.get('exclusive') and self.batch and not params[self.list_key]:
            problems.append('exclusive with an empty %s list would drop %s: refused (is the list of %s missing?)'
                            % (self.list_key, self.everything_unlisted, self.list_key))
        if params.get('max_drops') is not None and params['max_drops'] < 0:
            problems.append('max_drops must be 0 or more')
        return problems

    def clean_up_limit_problems(self, plans):
        """The exclusive clean-up guard: more drops than max_drops fails before any change."""
        names = [plan.name for plan in plans if not plan.listed and plan.changed]
        max_drops = self.params.get('max_drops')
        if max_drops is None or len(names) <= max_drops:
            return []
        return ['exclusive would drop %d %s%s, more than max_drops=%d: %s. Nothing was changed; check that the list '
                'is complete, or raise max_drops' % (len(names), self.noun, 's' if len(names) > 1 else '', max_drops,
                                                     ', '.join(sorted(names)))]

    @staticmethod
    def count(plans, kind):
        return sum(1 for plan in plans for action in plan.actions if action.kind == kind)

    @staticmethod
    def settled(error):
        """How a refusal that means "already done" counts: after_retry says an
        earlier attempt's answer was lost, so it is most likely this run's own
        write (DONE); otherwise another run did it first (CONVERGED)."""
        return DONE if getattr(error, 'after_retry', False) else CONVERGED

    @staticmethod
    def profile_warnings(profile):
        warning = profile.warning()
        return [warning] if warning else []

    @staticmethod
    def mark_unlisted(plan, entry):
        """Subjects only an exclusive clean-up touches say so in their entry."""
        if not plan.listed:
            entry['unlisted'] = True
        return entry

    # ----- the steps ---------------------------------------------------------
    def observe(self, conn, earlier=()):
        """Read what the plan needs; return it as one frozen state. Reads only.
        earlier: the (reconciler, Plan) pairs of the kinds planned before this
        one in the same run (reconcile_all), whose changes the state includes."""
        raise NotImplementedError

    def plan(self, state):
        """A Plan (the SubjectPlans that take the server from `state` to the
        request, and warnings); raises ZillizError for problems only the
        state reveals. Pure."""
        raise NotImplementedError

    def phases(self, plans, state):
        """The plans' actions as execution phases (lists of chains)."""
        raise NotImplementedError

    def apply(self, conn, action):
        """Make one action's request: DONE, or CONVERGED when it was already done."""
        raise NotImplementedError

    def settle(self, conn, state, outcome):
        """After applying: the extra actions a race made necessary (reads only; reconcile() applies them)."""
        return []

    def verify(self, conn, state, outcome):
        """After applying: prove the result. Reads only."""

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
        result = dict(changed=any(actions.values()),
                      summary=summarise(plans, lambda plan: actions[plan.name], self.summary_rules))
        if self.batch:
            # Unchanged subjects are named in the summary; an entry each is only worth its cost when asked for.
            report_all = self.params.get('report_unchanged', True)
            result[self.list_key] = [self.subject_result(plan, actions[plan.name]) for plan in plans
                                     if report_all or actions[plan.name]]
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
    """validate -> observe -> plan -> (check mode stops) -> apply -> settle ->
    verify. Returns the Outcome; a ZillizError raised after changes began
    carries `result` (what was done) in its details, for ZillizModule.fail_error."""
    return reconcile_all(module, [reconciler], reconciler.changes)[0]


def reconcile_all(module, reconcilers, changes):
    """Several kinds in one run, on one connection, in order (roles, then the
    users that hold them). Each kind observes knowing the earlier kinds' plans
    (observe(conn, earlier), earlier: the (reconciler, Plan) pairs so far), so
    check mode sees what the earlier ones would create; every kind is planned
    before the first change; then each kind applies, settles and verifies in
    order. Returns the Outcomes, in order. changes(outcomes) says what was
    done when a ZillizError ends a run after changes began (in its details)."""
    problems = module.connection_problems()
    for reconciler in reconcilers:
        problems += reconciler.validate()
    if problems:
        raise invalid(problems)
    with module.connect(validated=True) as conn:
        earlier, states = [], []
        for reconciler in reconcilers:
            state = reconciler.observe(conn, tuple(earlier)) if earlier else reconciler.observe(conn)
            earlier.append((reconciler, reconciler.plan(state)))
            states.append(state)
        outcomes = [Outcome(plan.subjects, applied=not module.check_mode, warnings=plan.warnings)
                    for dummy, plan in earlier]
        if module.check_mode:
            return outcomes
        try:
            for (reconciler, plan), state, outcome in zip(earlier, states, outcomes):
                execute(conn, reconciler.phases(plan.subjects, state), reconciler.apply, outcome)
                extra = reconciler.settle(conn, state, outcome)
                if extra:
                    execute(conn, [chains(extra)], reconciler.apply, outcome)
                reconciler.verify(conn, state, outcome)
        except ZillizError as error:
            error.details['result'] = changes(*outcomes)
            raise
    return outcomes

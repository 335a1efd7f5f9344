# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ZillizModule: AnsibleModule plus the connection options, the pymilvus
check, and one way to report errors (every failure carries error_category).

INTERNAL: private to the zilliz.cloud collection.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.warnings import get_deprecations, get_warnings

from ansible_collections.zilliz.cloud.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC, CONNECTION_MUTUALLY_EXCLUSIVE, CONNECTION_REQUIRED_TOGETHER, HAS_PYMILVUS,
    PYMILVUS_IMPORT_ERROR, Connection, connection_problems,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._engine import reconcile_all
from ansible_collections.zilliz.cloud.plugins.module_utils._errors import (
    INVALID_INPUT, MISSING_LIBRARY, ZillizError,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._nolog import narrow
from ansible_collections.zilliz.cloud.plugins.module_utils._validation import (
    access_management_problems, cleartext_warning, uri_credentials,
)


class ZillizModule(AnsibleModule):
    """Every zilliz.cloud module is one of these.

    Argument-spec failures raised by AnsibleModule itself (wrong type,
    unknown choice, mutually exclusive options) also get
    error_category=invalid_input, so callers can branch on the category
    whatever went wrong.

    manages_access=True marks a module that manages users or roles: it
    refuses Zilliz Cloud serverless endpoints, which have neither, before
    any connection."""

    def __init__(self, argument_spec, mutually_exclusive=None, required_together=None, manages_access=False,
                 **kwargs):
        self._arguments_validated = False
        self.manages_access = manages_access
        spec = dict(CONNECTION_ARGSPEC)
        spec.update(argument_spec)
        super(ZillizModule, self).__init__(
            argument_spec=spec,
            mutually_exclusive=CONNECTION_MUTUALLY_EXCLUSIVE + list(mutually_exclusive or []),
            required_together=CONNECTION_REQUIRED_TOGETHER + list(required_together or []),
            **kwargs)
        self._arguments_validated = True
        # Here, once per task: connection_check connects up to once per retry.
        warning = cleartext_warning(self.params.get('uri'), self.params.get('secure'))
        if warning:
            self.warn(warning)
        if not HAS_PYMILVUS:
            self.fail_json(msg=missing_required_lib('pymilvus'), exception=PYMILVUS_IMPORT_ERROR,
                           error_category=MISSING_LIBRARY)

    def _load_params(self):
        super(ZillizModule, self)._load_params()
        # A credential written into the uri is refused (uri_problems), but Ansible
        # returns the module arguments, uri included, as `invocation` even on
        # failure: mask it from the start, before argument validation can fail.
        for uri in (self.params.get('uri'), os.environ.get('ZILLIZ_URI'), os.environ.get('MILVUS_URI')):
            self.no_log_values.update(uri_credentials(uri))

    def fail_json(self, msg, **kwargs):
        if not self._arguments_validated:
            kwargs.setdefault('error_category', INVALID_INPUT)
        super(ZillizModule, self).fail_json(msg=msg, **kwargs)

    def exit_json(self, **kwargs):
        # The same masking as AnsibleModule's, searching each secret once (_nolog.narrow).
        kwargs, self.no_log_values = narrow(kwargs, self.params, self.argument_spec, self.no_log_values,
                                            [get_warnings(), get_deprecations()])
        super(ZillizModule, self).exit_json(**kwargs)

    def fail_error(self, error, **result):
        """Report a ZillizError (message already free of secrets)."""
        result.update(error.details.get('result', {}))
        self.fail_json(msg=error.msg, error_category=error.category, **result)

    def connection_problems(self):
        problems = connection_problems(self.params)
        if self.manages_access:
            problems += access_management_problems(self.params.get('uri'))
        return problems

    def connect(self, validated=False):
        """A Connection (open it, or use it with `with`), after validating the
        options (unless the caller has: validated=True)."""
        problems = [] if validated else self.connection_problems()
        if problems:
            raise ZillizError(INVALID_INPUT, '; '.join(problems))
        return Connection(self.params)

    def run_reconciler(self, reconciler):
        """Run a Reconciler through the engine and exit with its result (or
        its error, with what was done before it)."""
        self.exit_json(**self.run_reconcilers([reconciler], reconciler.changes,
                                              lambda outcome: reconciler.result(outcome, diff=self._diff)))

    def run_reconcilers(self, reconcilers, changes, result):
        """Run several Reconcilers, in order, on one connection (reconcile_all)
        and return result(*outcomes), their warnings given once; fail with the
        error (and changes(*outcomes), what was done before it) otherwise."""
        try:
            outcomes = reconcile_all(self, reconcilers, changes)
        except ZillizError as error:
            self.fail_error(error)
        given = []
        for warning in (w for outcome in outcomes for w in outcome.warnings):
            if warning not in given:
                given.append(warning)
                self.warn(warning)
        return result(*outcomes)

    @classmethod
    def manage(cls, reconciler_class, argument_spec, single_only):
        """main() of a module that manages one kind of subject: the single form
        (`name` and the options in single_only) or the batch option, through the engine."""
        list_key = reconciler_class.list_key
        module = cls(argument_spec=argument_spec, mutually_exclusive=[(key, list_key) for key in single_only],
                     required_one_of=[('name', list_key)], supports_check_mode=True, manages_access=True)
        module.run_reconciler(reconciler_class(module.params, module.check_mode))

    def run_reader(self, read, problems=()):
        """For read-only modules: validate (connection options and `problems`),
        connect, return read(conn); any failure is reported with its category."""
        try:
            problems = self.connection_problems() + list(problems)
            if problems:
                raise ZillizError(INVALID_INPUT, 'Invalid input: ' + '; '.join(problems))
            with self.connect(validated=True) as conn:
                return read(conn)
        except ZillizError as error:
            self.fail_error(error)

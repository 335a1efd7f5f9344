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
try:
    from ansible.module_utils.common.warnings import get_deprecations, get_warnings
except ImportError:     # ansible-core before 2.19
    from ansible.module_utils.common.warnings import (
        get_deprecation_messages as get_deprecations, get_warning_messages as get_warnings,
    )

from ansible_collections.zilliz.cloud.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC, CONNECTION_REQUIRED_TOGETHER, HAS_PYMILVUS,
    PYMILVUS_IMPORT_ERROR, WELL_KNOWN_PASSWORDS, Connection, connection_problems, environment_credential,
    login_credential,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._engine import reconcile_all
from ansible_collections.zilliz.cloud.plugins.module_utils._errors import (
    INVALID_INPUT, MISSING_LIBRARY, ZillizError,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._nolog import abridged, narrow
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
            mutually_exclusive=mutually_exclusive,
            required_together=CONNECTION_REQUIRED_TOGETHER + list(required_together or []),
            **kwargs)
        self._arguments_validated = True
        found, self._credential_problems = environment_credential(self.params)
        for option in ('token', 'login_password'):
            if found.get(option):
                self.no_log_values.add(found[option])
        self.params.update(found)
        # Here, once per task: connection_check connects up to once per retry.
        warning = cleartext_warning(self.params.get('uri'), self.params.get('secure'))
        if warning:
            self.warn(warning)
        if login_credential(self.params)[1] in WELL_KNOWN_PASSWORDS:
            # Worded without the product name: Ansible masks the password
            # wherever it appears in this task's output.
            self.warn("the login password is the well-known default of the server's root user, which every "
                      "fresh self-hosted server starts with: change it (zilliz.cloud.zilliz_user, state: password). "
                      "While it is the login password, Ansible masks that word as ******** in this task's output.")
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

    def _log_invocation(self):
        # AnsibleModule logs its arguments to the system log, each searched for
        # every secret: a 1000-item list made a 150 kB line and a million
        # searches. Long item lists are counted there, as in the output.
        params = self.params
        self.params = abridged(params, self.argument_spec)
        try:
            super(ZillizModule, self)._log_invocation()
        finally:
            self.params = params

    def fail_json(self, msg, **kwargs):
        if not self._arguments_validated:
            kwargs.setdefault('error_category', INVALID_INPUT)
        super(ZillizModule, self).fail_json(msg=msg, **kwargs)

    def exit_json(self, **kwargs):
        # The same masking as AnsibleModule's, searching each secret once (_nolog.narrow);
        # long item lists only counted in the invocation below -vvv, which shows it.
        shown = self.params if self._verbosity >= 3 else abridged(self.params, self.argument_spec)
        kwargs, self.no_log_values = narrow(kwargs, shown, self.argument_spec, self.no_log_values,
                                            [get_warnings(), get_deprecations()])
        super(ZillizModule, self).exit_json(**kwargs)

    def fail_error(self, error, **result):
        """Report a ZillizError (message already free of secrets)."""
        result.update(error.details.get('result', {}))
        self.fail_json(msg=error.msg, error_category=error.category, **result)

    def connection_problems(self):
        problems = list(self._credential_problems) + connection_problems(self.params)
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

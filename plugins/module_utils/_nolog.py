# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The same masking as Ansible's, at the cost of one search per secret.

AnsibleModule.exit_json masks every no_log value in the whole result,
`invocation.module_args` included, with remove_values: every string against
every secret, in Python. A 1000-user list has 1000 secrets and some 10,000
strings: 0.2 s, for a result that holds no secret by construction.

narrow() gives the same output for less: the invocation is masked where the
argument spec says no_log (the option values remove_values would replace with
its mask, since they are no_log values themselves), then each secret is
searched for once in all the text of the result. When none occurs anywhere,
remove_values has nothing left to change, and it gets no secret to look for;
when one does, everything stays as it was and remove_values masks as always.

INTERNAL: private to the zilliz.cloud collection.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

MASK = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'

# Below verbosity 3 no callback of Ansible's shows the invocation and `register`
# drops it, yet a 1000-item list echoed there costs as much as the run's own
# work to mask, encode, decode and copy: longer item lists are counted instead.
LONGEST_SHOWN_LIST = 100


def masked(params, spec):
    """params with the value of every no_log option (sub-options of lists and
    dicts of options included) replaced by remove_values' mask."""
    out = {}
    for key, value in params.items():
        option = spec.get(key) or {}
        if option.get('no_log') and value is not None:
            out[key] = MASK
        elif option.get('options') and isinstance(value, list):
            out[key] = [masked(item, option['options']) if isinstance(item, dict) else item for item in value]
        elif option.get('options') and isinstance(value, dict):
            out[key] = masked(value, option['options'])
        else:
            out[key] = value
    return out


def abridged(params, spec, longest=LONGEST_SHOWN_LIST):
    """params with every list of items (an option with sub-options) longer
    than `longest` replaced by a note of its length, for the invocation of a
    run below verbosity 3."""
    out = dict(params)
    for key, value in params.items():
        if (spec.get(key) or {}).get('options') and isinstance(value, list) and len(value) > longest:
            out[key] = '%d items (listed in full at verbosity 3, -vvv)' % len(value)
    return out


def _texts(value, out):
    """Every key and every value below `value`, as text (containers walked)."""
    if isinstance(value, dict):
        for key, item in value.items():
            out.append(str(key))
            _texts(item, out)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _texts(item, out)
    elif value is not None:
        out.append(str(value))
    return out


def narrow(result, params, spec, secrets, extra=()):
    """(result with its invocation masked, the secrets remove_values must still
    look for): none when no secret occurs in the result, the masked invocation
    or `extra` (warnings and the like, added to the output later); otherwise
    the result unchanged and every secret."""
    if 'invocation' in result:
        return result, secrets
    candidate = dict(result, invocation=dict(module_args=masked(params, spec)))
    if not secrets:
        return candidate, secrets
    text = '\0'.join(_texts([candidate, list(extra)], []))
    if any(secret in text for secret in secrets):
        return result, secrets
    return candidate, set()

# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Modules that only read: the same in check mode, nothing to diff.
    READ_ONLY = r'''
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing to compare.
'''

    # Modules that change users or roles.
    CHANGES = r'''
attributes:
  check_mode:
    support: full
    description: Makes only read-only requests (listings, login tests) and reports what a real run would change.
  diff_mode:
    support: full
    description:
      - Shows each user or role before and after (existence, roles, privileges).
      - A password only as V(set), V(changed) or V(unchanged), never its value.
'''

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  server_ids:
    description:
      - Ids of the servers to act on.
      - Mutually exclusive with O(server_group_id) and O(server_group_name); one of the three is required.
      - An id that does not exist fails the task before anything is submitted.
    type: list
    elements: str
  server_group_id:
    description:
      - Act on every server of this server group.
      - Mutually exclusive with O(server_ids) and O(server_group_name).
      - An unknown group id fails the task before anything is submitted.
    type: str
  server_group_name:
    description:
      - Act on every server of the server group with exactly this name (case-sensitive).
      - Mutually exclusive with O(server_ids) and O(server_group_id).
      - The groups are listed with this name as filter and only an exact match is kept. No match, or more than one
        group with this name, fails before anything is submitted and lists the candidates with their ids.
    type: str
  batch_size:
    description:
      - Servers per API call, V(1) to V(20). Larger target sets are split into several calls automatically.
    type: int
    default: 20
"""

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
      - An id that does not exist fails the task before anything is submitted; so does an empty list or an empty id
        (C(server_ids=) on the command line is one empty id), naming the option before any request.
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
notes:
  - "Progress lines (RV(progress)) start with a label naming the targets, so that the lines of several hosts
    running the task at once (forks) can be told apart: C([group apps-prod]) for O(server_group_name) or
    O(server_group_id) (the group's name when the server records carry it, else its id), C([web-01]) for one
    server, C([3 servers: web-01, web-02, web-03]) for up to three and C([25 servers: web-01, web-02, web-03, ...])
    for more (the first names in sorted order; a server without a name by its id)."
  - With C(--diff) and in failure messages, servers are named "name (id)", such as "web-01 (3f791197-d166-...)",
    or by their id alone when they have no name.
"""

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters about reading servers; the decisions are module_utils/servers.py's, so a playbook and a module agree."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import servers


def read_by_id(fleet, wanted):
    """``wanted`` when looking those servers up one by one costs fewer requests than listing their groups, else []."""
    if not isinstance(fleet, list) or not all(isinstance(record, dict) and "id" in record for record in fleet):
        raise AnsibleFilterError("read_by_id: the input must be a list of server records (dicts with an id), "
                                 "such as the servers of app_server_info")
    if not isinstance(wanted, list):
        raise AnsibleFilterError("read_by_id: wanted must be a list of server ids, got %s" % type(wanted).__name__)
    return servers.read_by_id(fleet, [str(server_id) for server_id in wanted])


class FilterModule:
    def filters(self):
        return {"read_by_id": read_by_id}

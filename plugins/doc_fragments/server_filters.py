# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The server list's own filters, as app_server_info and the app_servers inventory plugin take them.
    DOCUMENTATION = r"""
options:
  name:
    description:
      - Only servers whose name contains this text (the API's partial match).
    type: str
  maintain_status:
    description:
      - V(true) for servers in maintenance mode only, V(false) for servers not in maintenance mode only.
      - The alias O(maintenance) matches the option of M(huaweicloud.workspace_app.app_server_maintenance).
    type: bool
    aliases: [maintenance]
"""

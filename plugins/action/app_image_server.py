# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs app_image_server once; at -v its progress lines are printed while it waits (plugin_utils/job_progress.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.huaweicloud.workspace_app.plugins.plugin_utils.job_progress import JobProgressAction


class ActionModule(JobProgressAction):
    pass

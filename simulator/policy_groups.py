"""Policy groups: the access policies (clipboard, file and USB redirection, session timeouts, ...) applied to users,
user groups, app groups, OUs or everyone.

:class:`PolicyGroups` is one part of :class:`~simulator.state.FleetState`. It owns ``_policy_groups`` (id ->
PolicyGroup record in the SDK's wire shape).

* A new group's ``policies`` start from the service's original policy (:data:`ORIGINAL_POLICY`, what
  ``GET …/policy-groups/actions/list-original-policy`` answers) with the create's ``policies`` merged in, key by key
  at every depth; a PATCH merges its ``policies`` the same way (what it does not name stays), and replaces
  ``targets``, ``priority``, ``description`` and the name when it gives them.
* Names: 1..55 letters, digits and ``_`` (PolicyGroupForCreate), unique in the tenant (Terraform's docs: "The name
  must be unique"): a second one is refused 400. ``priority`` 1..the number of groups (a create's may be one more);
  a create without one is the lowest (the number of groups after it).
* Targets: ``target_type`` one of USER, USERGROUP, APPGROUP, OU, ALL; an APPGROUP's ``target_id`` must be an app
  group of the tenant (404 otherwise); ALL is ``default-apply-all-targets`` / ``All-Targets``.
"""

import copy
import re

from .errors import ApiError, invalid

POLICY_GROUP_NOT_FOUND = ("WKS.00211501", "The policy group does not exist.")
TARGET_TYPES = ("USER", "USERGROUP", "APPGROUP", "OU", "ALL")
ALL_TARGET = {"target_id": "default-apply-all-targets", "target_name": "All-Targets", "target_type": "ALL"}
_NAME_RE = re.compile(r"[A-Za-z0-9_]{1,55}")

# The original policy (a sensible subset of the Policies model with the defaults the API reference gives).
ORIGINAL_POLICY = {
    "peripherals": {
        "usb_port_redirection": {"usb_enable": True, "options": {
            "usb_image_enable": True, "usb_video_enable": True, "usb_printer_enable": True,
            "usb_storage_enable": True, "usb_smart_card_enable": True, "other_usb_devices_enable": False,
            "usb_redirection_mode": "Common mode"}},
        "device_redirection": {"printer_redirection": {"printer_enable": True},
                               "camera_redirection": {"video_compress_enable": True},
                               "twain_redirection_enable": False, "image_compression_level": "medium"},
        "serial_port_redirection": {"serial_port_enable": False},
    },
    "audio": {"audio_redirection_enable": True, "play_redirection_enable": True,
              "play_classification": "Automatic Identification", "record_redirection_enable": True,
              "record_classification": "Automatic Identification"},
    "client": {"automatic_reconnection_interval": 5, "session_persistence_time": 180, "forbid_screen_capture": False},
    "display": {"display_level": "LEVEL4", "options": {"display_bandwidth": 20000, "frame_rate": 25,
                                                       "video_frame_rate": 30}},
    "file_and_clipboard": {
        "clipboard_redirection": "TWO_WAY_ENABLED",
        "clipboard_redirection_options": {"rich_text_redirection_enable": True},
        "file_redirection": {"redirection_mode": "READ_AND_WRITE", "vm_send_file_client": True,
                             "options": {"fixed_drive_enable": True, "removable_drive_enable": True,
                                         "cd_rom_drive_enable": True, "network_drive_enable": True}},
    },
    "session": {"sbc": {"sbc_automatic_disconnection": "DISABLED"}},
}


def merge(current, wanted):
    """``current`` with ``wanted`` merged in at every depth (a new dict)."""
    merged = copy.deepcopy(current or {})
    for key, value in (wanted or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


class PolicyGroups:
    """Policy groups created, read, updated and deleted (a part of ``FleetState``)."""

    def _init_policy_tables(self):
        self._policy_groups = {}  # id -> PolicyGroup record, in creation order

    @property
    def policy_groups(self):
        with self.lock:
            return self._policy_groups

    def require_policy_group(self, policy_group_id):
        with self.lock:
            group = self._policy_groups.get(policy_group_id)
            if group is None:
                raise ApiError(404, POLICY_GROUP_NOT_FOUND, "policy_group_id: %s" % policy_group_id)
            return group

    def policy_group_view(self, group):
        with self.lock:
            return dict((key, copy.deepcopy(value)) for key, value in group.items() if value is not None)

    def _check_policy_group(self, body, group=None):
        name = body.get("policy_group_name")
        if name is not None:
            if not _NAME_RE.fullmatch(name):
                raise invalid("policy_group_name must be 1 to 55 letters, digits or underscores.")
            if any(other["name"] == name for other in self._policy_groups.values() if other is not group):
                raise invalid("policy_group_name %s already exists." % name)
        most = len(self._policy_groups) + (1 if group is None else 0)
        priority = body.get("priority")
        if priority is not None and not 1 <= priority <= most:
            raise invalid("priority must be between 1 and %d." % most)
        for target in body.get("targets") or ():
            if target.get("target_type") not in TARGET_TYPES:
                raise invalid("targets.target_type must be one of %s." % ", ".join(TARGET_TYPES))
            if target["target_type"] == "APPGROUP":
                self.require_app_group(target.get("target_id"))

    @staticmethod
    def _targets(targets):
        return [dict(ALL_TARGET) if target["target_type"] == "ALL" else dict(target) for target in targets]

    def create_policy_group(self, body):
        """POST /policy-groups (``policy_group`` validated by the handler): the new group's live record."""
        with self.lock:
            self._check_policy_group(body)
            group = {"id": self._uuid(), "name": body["policy_group_name"],
                     "priority": body.get("priority") or len(self._policy_groups) + 1,
                     "description": body.get("description"), "targets": self._targets(body.get("targets") or []),
                     "policies": merge(ORIGINAL_POLICY, body.get("policies")),
                     "create_time": self.clock.iso(), "update_time": self.clock.iso()}
            self._policy_groups[group["id"]] = group
            return group

    def update_policy_group(self, policy_group_id, body):
        """PATCH /policy-groups/{id}: ``policies`` merged, the other fields given replace the group's."""
        with self.lock:
            group = self.require_policy_group(policy_group_id)
            self._check_policy_group(body, group)
            if body.get("policy_group_name") is not None:
                group["name"] = body["policy_group_name"]
            for key in ("priority", "description"):
                if body.get(key) is not None:
                    group[key] = body[key]
            if body.get("targets") is not None:
                group["targets"] = self._targets(body["targets"])
            if body.get("policies") is not None:
                group["policies"] = merge(group["policies"], body["policies"])
            group["update_time"] = self.clock.iso()
            return group

    def delete_policy_group(self, policy_group_id):
        with self.lock:
            self.require_policy_group(policy_group_id)
            del self._policy_groups[policy_group_id]

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The keys a policy group's ``policies`` may hold: the tree of the SDK's ``Policies`` model and its nested models
(``huaweicloudsdkworkspaceapp`` 3.1.219, their ``attribute_map``), copied here so that the collection does not need
the SDK at run time; ``tests/unit/plugins/module_utils/test_policy_keys.py`` derives the tree from the SDK and
compares, so the copy cannot drift.

:func:`check_policies` refuses a key the tree does not have (naming its path and the keys allowed there), a value of
the wrong type, and a value outside :data:`CHOICES` (the values the SDK models' descriptions list for text fields
that take a fixed set), before anything is sent. :func:`policy_changes` compares, leaf by leaf, only what the user
set (a deep subset) and tells what differs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.fields import flat, merge_nested, same

BOOL, INT, STR = "bool", "int", "str"
OPTION = "policies"

# Policies (SDK 3.1.219): key -> nested dict (a model) or the leaf's type.
TREE = {
    "audio": {
        "audio_redirection_enable": BOOL,
        "play_classification": STR,
        "play_redirection_enable": BOOL,
        "record_classification": STR,
        "record_redirection_enable": BOOL,
    },
    "bandwidth": {
        "camera_bandwidth_control_enable": BOOL,
        "camera_bandwidth_control_options": {
            "camera_bandwidth_control_value": INT,
        },
        "clipboard_bandwidth_control_enable": BOOL,
        "clipboard_bandwidth_control_options": {
            "clipboard_bandwidth_control_value": INT,
        },
        "com_bandwidth_control_enable": BOOL,
        "com_bandwidth_control_options": {
            "com_bandwidth_control_value": INT,
        },
        "display_bandwidth_control_enable": BOOL,
        "display_bandwidth_control_options": {
            "display_bandwidth_control_value": INT,
        },
        "file_redirection_bandwidth_control_enable": BOOL,
        "file_redirection_bandwidth_control_options": {
            "file_redirection_bandwidth_control_value": INT,
        },
        "intelligent_data_transport_flag": STR,
        "multimedia_bandwidth_control_enable": BOOL,
        "multimedia_bandwidth_control_options": {
            "multimedia_bandwidth_control_value": INT,
        },
        "options": {
            "camera_bandwidth_percentage_enable": BOOL,
            "camera_bandwidth_percentage_options": {
                "camera_bandwidth_percentage_value": INT,
            },
            "clipboard_bandwidth_percentage_enable": BOOL,
            "clipboard_bandwidth_percentage_options": {
                "clipboard_bandwidth_percentage_value": INT,
            },
            "com_bandwidth_percentage_enable": BOOL,
            "com_bandwidth_percentage_options": {
                "com_bandwidth_percentage_value": INT,
            },
            "display_bandwidth_percentage_enable": BOOL,
            "display_bandwidth_percentage_options": {
                "display_bandwidth_percentage_value": INT,
            },
            "file_redirection_bandwidth_percentage_enable": BOOL,
            "file_redirection_bandwidth_percentage_options": {
                "file_redirection_bandwidth_percentage_value": INT,
            },
            "multimedia_bandwidth_percentage_enable": BOOL,
            "multimedia_bandwidth_percentage_options": {
                "multimedia_bandwidth_percentage_value": INT,
            },
            "pcsc_bandwidth_percentage_enable": BOOL,
            "pcsc_bandwidth_percentage_options": {
                "pcsc_bandwidth_percentage_value": INT,
            },
            "printer_bandwidth_percentage_enable": BOOL,
            "printer_bandwidth_percentage_options": {
                "printer_bandwidth_percentage_value": INT,
            },
            "secure_channel_bandwidth_percentage_enable": BOOL,
            "secure_channel_bandwidth_percentage_options": {
                "secure_channel_bandwidth_percentage_value": INT,
            },
            "total_bandwidth_control_value": INT,
            "twain_bandwidth_percentage_enable": BOOL,
            "twain_bandwidth_percentage_options": {
                "twain_bandwidth_percentage_value": INT,
            },
            "usb_bandwidth_percentage_enable": BOOL,
            "usb_bandwidth_percentage_options": {
                "usb_bandwidth_percentage_value": INT,
            },
            "virtual_channel_bandwidth_percentage_enable": BOOL,
            "virtual_channel_bandwidth_percentage_options": {
                "virtual_channel_bandwidth_percentage_value": INT,
            },
        },
        "pcsc_bandwidth_control_enable": BOOL,
        "pcsc_bandwidth_control_options": {
            "pcsc_bandwidth_control_value": INT,
        },
        "printer_bandwidth_control_enable": BOOL,
        "printer_bandwidth_control_options": {
            "printer_bandwidth_control_value": INT,
        },
        "secure_channel_bandwidth_control_enable": BOOL,
        "secure_channel_bandwidth_control_options": {
            "secure_channel_bandwidth_control_value": INT,
        },
        "total_bandwidth_control_enable": BOOL,
        "twain_bandwidth_control_enable": BOOL,
        "twain_bandwidth_control_options": {
            "twain_bandwidth_control_value": INT,
        },
        "usb_bandwidth_control_enable": BOOL,
        "usb_bandwidth_control_options": {
            "usb_bandwidth_control_value": INT,
        },
        "virtual_channel_bandwidth_control_enable": BOOL,
        "virtual_channel_bandwidth_control_options": {
            "virtual_channel_bandwidth_control_value": INT,
        },
    },
    "client": {
        "automatic_reconnection_interval": INT,
        "forbid_screen_capture": BOOL,
        "session_persistence_time": INT,
    },
    "cloud_storage": {
        "cloud_storage_enable": BOOL,
        "options": {
            "cloud_storage_rule": STR,
        },
    },
    "custom": {
        "custom_configuration1_enable": BOOL,
        "options": {
            "custom_configuration1_rule": STR,
            "rail_transparent_config": {
                "select_policy": INT,
                "transparent_list_custom": STR,
            },
        },
    },
    "display": {
        "change_resolution_vm": BOOL,
        "display_level": STR,
        "driver_delegation_latency": INT,
        "driver_delegation_mode_enable": BOOL,
        "options": {
            "color_enhancement_enable": BOOL,
            "deep_compression_options": {
                "deep_compression_level": STR,
            },
            "display_bandwidth": INT,
            "encoding_preset": STR,
            "frame_rate": INT,
            "gop_size": INT,
            "lossless_compression_mode": STR,
            "lossy_compression_quality": INT,
            "min_image_cache": INT,
            "peak_video_bit_rate": INT,
            "quality_bandwidth_first": STR,
            "smoothing_factor": INT,
            "video_bit_rate_options": {
                "average_video_bit_rate": INT,
            },
            "video_frame_rate": INT,
            "video_quality_options": {
                "average_video_quality": INT,
                "highest_video_quality": INT,
                "lowest_video_quality": INT,
            },
        },
        "rendering_acceleration_enable": BOOL,
        "rendering_acceleration_options": {
            "gpu_color_optimization_enable": BOOL,
            "video_acceleration_enhancement_enable": BOOL,
            "video_optimization_enable": BOOL,
        },
        "video_card_memory_size": INT,
        "video_latency": INT,
    },
    "file_and_clipboard": {
        "bypass_in_remote_app_enable": BOOL,
        "clipboard_redirection": STR,
        "clipboard_redirection_options": {
            "clipboard_file_redirection_enable": BOOL,
            "clipboard_length_limit_cts": INT,
            "clipboard_length_limit_cts_enable": BOOL,
            "clipboard_length_limit_stc": INT,
            "clipboard_length_limit_stc_enable": BOOL,
            "file_clipboard_redirection": STR,
            "rich_text_clipboard_redirection": STR,
            "rich_text_redirection_enable": BOOL,
        },
        "fd_mobile_client_redir_enable": BOOL,
        "file_redirection": {
            "options": {
                "cd_rom_drive_enable": BOOL,
                "compression_switch_enable": BOOL,
                "compression_switch_options": {
                    "compression_threshold": INT,
                    "minimum_compression_rate": INT,
                },
                "fixed_drive_enable": BOOL,
                "fluid_control_options": {
                    "good_network_latency": INT,
                    "normal_network_latency": INT,
                    "poor_network_latency": INT,
                    "quick_increasing_step": INT,
                    "reducing_step": INT,
                    "slow_increasing_step": INT,
                    "start_speed": INT,
                    "test_block_size": INT,
                    "test_time_gap": INT,
                },
                "fluid_control_switch_enable": BOOL,
                "linux_cdrom_drive_file_system_format": STR,
                "linux_file_mount_path": STR,
                "linux_file_size_supported_enable": BOOL,
                "linux_file_size_supported_options": {
                    "linux_file_size_supported_threshold": INT,
                },
                "linux_fixed_drive_file_system_format": STR,
                "linux_network_drive_file_system_format": STR,
                "linux_removable_drive_file_system_format": STR,
                "linux_root_dir_list": STR,
                "linux_root_mount_switch_enable": BOOL,
                "network_drive_enable": BOOL,
                "path_separator": STR,
                "removable_drive_enable": BOOL,
            },
            "redirection_mode": STR,
            "redirection_send_file_options": {
                "read_write_speed": INT,
            },
            "vm_send_file_client": BOOL,
        },
    },
    "folder_redirection": {
        "folder_redirection_status": INT,
        "options": {
            "include_common_folders": INT,
            "relative_path": STR,
            "storage_paths": STR,
        },
    },
    "folder_redirection_v2": {
        "folder_redirection_v2_status": INT,
        "options": {
            "app_data_roaming_configurations": {
                "app_data_roaming_exclusive_rights": INT,
                "app_data_roaming_move_content_on_policy_removal": INT,
                "app_data_roaming_move_contents": INT,
                "app_data_roaming_redirection_type": INT,
                "app_data_roaming_relative_path": STR,
                "app_data_roaming_status": INT,
                "app_data_roaming_storage_path": STR,
            },
            "contacts_configurations": {
                "contacts_exclusive_rights": INT,
                "contacts_move_content_on_policy_removal": INT,
                "contacts_move_contents": INT,
                "contacts_redirection_type": INT,
                "contacts_relative_path": STR,
                "contacts_status": INT,
                "contacts_storage_path": STR,
            },
            "desktop_configurations": {
                "desktop_exclusive_rights": INT,
                "desktop_move_content_on_policy_removal": INT,
                "desktop_move_contents": INT,
                "desktop_redirection_type": INT,
                "desktop_relative_path": STR,
                "desktop_status": INT,
                "desktop_storage_path": STR,
            },
            "documents_configurations": {
                "documents_exclusive_rights": INT,
                "documents_move_content_on_policy_removal": INT,
                "documents_move_contents": INT,
                "documents_redirection_type": INT,
                "documents_relative_path": STR,
                "documents_status": INT,
                "documents_storage_path": STR,
            },
            "downloads_configurations": {
                "downloads_exclusive_rights": INT,
                "downloads_move_content_on_policy_removal": INT,
                "downloads_move_contents": INT,
                "downloads_redirection_type": INT,
                "downloads_relative_path": STR,
                "downloads_status": INT,
                "downloads_storage_path": STR,
            },
            "favorites_configurations": {
                "favorites_exclusive_rights": INT,
                "favorites_move_content_on_policy_removal": INT,
                "favorites_move_contents": INT,
                "favorites_redirection_type": INT,
                "favorites_relative_path": STR,
                "favorites_status": INT,
                "favorites_storage_path": STR,
            },
            "links_configurations": {
                "links_exclusive_rights": INT,
                "links_move_content_on_policy_removal": INT,
                "links_move_contents": INT,
                "links_redirection_type": INT,
                "links_relative_path": STR,
                "links_status": INT,
                "links_storage_path": STR,
            },
            "music_configurations": {
                "music_exclusive_rights": INT,
                "music_move_content_on_policy_removal": INT,
                "music_move_contents": INT,
                "music_redirection_type": INT,
                "music_relative_path": STR,
                "music_status": INT,
                "music_storage_path": STR,
            },
            "pictures_configurations": {
                "pictures_exclusive_rights": INT,
                "pictures_move_content_on_policy_removal": INT,
                "pictures_move_contents": INT,
                "pictures_redirection_type": INT,
                "pictures_relative_path": STR,
                "pictures_status": INT,
                "pictures_storage_path": STR,
            },
            "saved_games_configurations": {
                "saved_games_exclusive_rights": INT,
                "saved_games_move_content_on_policy_removal": INT,
                "saved_games_move_contents": INT,
                "saved_games_redirection_type": INT,
                "saved_games_relative_path": STR,
                "saved_games_status": INT,
                "saved_games_storage_path": STR,
            },
            "searches_configurations": {
                "searches_exclusive_rights": INT,
                "searches_move_content_on_policy_removal": INT,
                "searches_move_contents": INT,
                "searches_redirection_type": INT,
                "searches_relative_path": STR,
                "searches_status": INT,
                "searches_storage_path": STR,
            },
            "start_menu_configurations": {
                "start_menu_exclusive_rights": INT,
                "start_menu_move_content_on_policy_removal": INT,
                "start_menu_move_contents": INT,
                "start_menu_redirection_type": INT,
                "start_menu_relative_path": STR,
                "start_menu_status": INT,
                "start_menu_storage_path": STR,
            },
            "videos_configurations": {
                "videos_exclusive_rights": INT,
                "videos_move_content_on_policy_removal": INT,
                "videos_move_contents": INT,
                "videos_redirection_type": INT,
                "videos_relative_path": STR,
                "videos_status": INT,
                "videos_storage_path": STR,
            },
        },
    },
    "keyboard_mouse": {
        "external_cursor_feedback": BOOL,
        "mouse_feedback": STR,
        "mouse_simulation_mode": STR,
    },
    "peripherals": {
        "device_redirection": {
            "camera_redirection": {
                "options": {
                    "camera_compression_method": STR,
                    "camera_frame_rate": INT,
                    "camera_max_heigth": INT,
                    "camera_max_width": INT,
                },
                "video_compress_enable": BOOL,
            },
            "image_compression_level": STR,
            "printer_redirection": {
                "options": {
                    "sync_client_default_printer_enable": BOOL,
                    "universal_printer_driver": STR,
                },
                "printer_enable": BOOL,
            },
            "session_printer": {
                "options": {
                    "session_printer_customization_policy": STR,
                },
                "session_printer_enable": BOOL,
            },
            "twain_redirection_enable": BOOL,
        },
        "serial_port_redirection": {
            "options": {
                "auto_connect_enable": BOOL,
            },
            "serial_port_enable": BOOL,
        },
        "usb_device_common": {
            "common_options": {
                "remove_smart_card_disconnect_enable": BOOL,
            },
            "pcsc_smart_card_enable": STR,
        },
        "usb_port_redirection": {
            "options": {
                "network_devices_enable": BOOL,
                "other_usb_devices_enable": BOOL,
                "usb_image_enable": BOOL,
                "usb_printer_enable": BOOL,
                "usb_redirection_customization_policy": STR,
                "usb_redirection_mode": STR,
                "usb_smart_card_enable": BOOL,
                "usb_storage_enable": BOOL,
                "usb_video_enable": BOOL,
                "wireless_devices_enable": BOOL,
            },
            "usb_enable": BOOL,
        },
    },
    "session": {
        "sbc": {
            "sbc_automatic_disconnection": STR,
            "sbc_automatic_disconnection_options": {
                "auto_logout_options": {
                    "sbc_logout_waiting_time": INT,
                },
                "disconnection_waiting_time": INT,
                "sbc_auto_logout": BOOL,
            },
        },
    },
    "url_redirection": {
        "options": {
            "url_exclude_list": STR,
            "url_include_list": STR,
        },
        "url_redirection_enable": BOOL,
    },
    "user_profile": {
        "options": {
            "redir_exclude_common_folders": STR,
            "redir_exclude_copy0s": STR,
            "redir_exclude_copy1s": STR,
            "redir_exclude_copy2s": STR,
            "redir_exclude_copy3s": STR,
            "redir_exclude_includes": STR,
            "user_profile_rule": STR,
        },
        "user_profile_enable": BOOL,
    },
    "user_profile_management": {
        "options": {
            "profiles": {
                "vhd_write_back": STR,
            },
        },
        "upm_status": INT,
    },
    "virtual_channel": {
        "options": {
            "custom_virtual_channel_name": STR,
            "third_party_plugin_name": STR,
            "virtual_channel_plugin_details": STR,
        },
        "virtual_channel_control_enable": BOOL,
    },
}

# Text leaves that take a fixed set of values, as the SDK models' descriptions list them ("取值为").
TWO_WAY = ("DISABLED", "SERVER_TO_CLIENT_ENABLED", "CLIENT_TO_SERVER_ENABLED", "TWO_WAY_ENABLED")
CHOICES = {
    "audio.play_classification": ("LossLess", "Speech Call", "Music Play", "Automatic Identification"),
    "audio.record_classification": ("LossLess", "Speech Call", "Music Record", "Automatic Identification"),
    "display.display_level": ("LEVEL1", "LEVEL2", "LEVEL3", "LEVEL4", "LEVEL5"),
    "display.options.encoding_preset": tuple("Preset %d" % number for number in range(1, 8)),
    "display.options.lossless_compression_mode": ("Basic Compression", "Deep Compression"),
    "display.options.quality_bandwidth_first": ("Quality First", "Bandwidth First"),
    "file_and_clipboard.clipboard_redirection": TWO_WAY,
    "file_and_clipboard.clipboard_redirection_options.file_clipboard_redirection": TWO_WAY,
    "file_and_clipboard.clipboard_redirection_options.rich_text_clipboard_redirection": TWO_WAY,
    "file_and_clipboard.file_redirection.redirection_mode": ("DISABLED", "READ_ONLY", "READ_AND_WRITE"),
    "peripherals.device_redirection.image_compression_level": (
        "none", "low", "medium", "high", "lossless", "low-loss", "medium-loss", "high-loss"),
    "peripherals.usb_device_common.pcsc_smart_card_enable": ("Enable", "Closed", "Disable"),
    "peripherals.usb_port_redirection.options.usb_redirection_mode": ("Classical mode", "Common mode"),
    "session.sbc.sbc_automatic_disconnection": ("DISABLED", "AUTO_DISCONNECT", "AUTO_LOCK"),
}
TRUE_TEXTS, FALSE_TEXTS = ("true", "yes", "on"), ("false", "no", "off")


def _leaf(path, kind, value):
    """``value`` as the API's type ``kind`` (a text "true" or "5" from a survey or a template is taken), or a
    ValueError naming the path."""
    if kind == BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in TRUE_TEXTS + FALSE_TEXTS:
            return value.lower() in TRUE_TEXTS
        raise ValueError("%s.%s: %r is not a boolean (true or false)" % (OPTION, path, value))
    if kind == INT:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError("%s.%s: %r is not an integer" % (OPTION, path, value))
        try:
            return int(value)
        except ValueError:
            raise ValueError("%s.%s: %r is not an integer" % (OPTION, path, value))
    if not isinstance(value, str):
        raise ValueError("%s.%s: %r is not a string" % (OPTION, path, value))
    choices = CHOICES.get(path)
    if choices and value not in choices:
        raise ValueError("%s.%s: %r is not one of %s" % (OPTION, path, value, ", ".join(choices)))
    return value


def check_policies(value, tree=None, path=""):
    """``value`` (the ``policies`` option) with each leaf as the API's type; a ValueError names the first key the
    SDK's model does not have (its path and the keys allowed there), or the first value of a wrong type or outside
    its choices. None values are left out (not set)."""
    tree = TREE if tree is None else tree
    where = "%s.%s" % (OPTION, path) if path else OPTION
    if not isinstance(value, dict):
        raise ValueError("%s: must be a dict of the keys %s, got %r" % (where, ", ".join(sorted(tree)), value))
    checked = {}
    for key in sorted(value):
        sub_path = "%s.%s" % (path, key) if path else key
        if key not in tree:
            raise ValueError("%s.%s: unknown key; allowed keys at %s are %s" % (
                OPTION, sub_path, where, ", ".join(sorted(tree))))
        if value[key] is None:
            continue
        kind = tree[key]
        checked[key] = check_policies(value[key], kind, sub_path) if isinstance(kind, dict) else _leaf(
            sub_path, kind, value[key])
    return checked


def nest(leaves):
    """``{"a.b": 1}`` -> ``{"a": {"b": 1}}``: the inverse of :func:`~.fields.flat`."""
    nested = {}
    for path, value in leaves.items():
        keys = path.split(".")
        place = nested
        for key in keys[:-1]:
            place = place.setdefault(key, {})
        place[keys[-1]] = value
    return nested


def policy_changes(current, wanted):
    """``(before, after)``: the leaves of ``wanted`` (``"section.key"`` paths) whose value ``current`` (the
    policies as read) does not show, with the current and the wanted value. Empty dicts when all are shown."""
    shown = flat(current)
    before, after = {}, {}
    for path, value in sorted(flat(wanted).items()):
        if not same(shown.get(path), value):
            before[path], after[path] = shown.get(path), value
    return before, after


def policy_body(current, after):
    """The ``policies`` to send for the differing leaves ``after``: each top-level section they touch, whole, as
    read with them merged in (what the service keeps whether it merges a section or replaces it)."""
    changed = nest(after)
    return dict((section, merge_nested(copy.deepcopy((current or {}).get(section) or {}), value))
                for section, value in changed.items())

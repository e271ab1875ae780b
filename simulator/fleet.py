"""Fleet building: server groups, servers (the default fleet and any a test adds), product info, HDA versions.

:class:`FleetBuilder` is one part of :class:`~simulator.state.FleetState`, which owns the tables it fills
(``_groups``, ``_servers``, ``_group_counts``, ``_hda``, ``_tsvi``; a server's sessions through
:mod:`.sessions`) and the lock every public method takes.
Records are kept in the API's own wire shape (field names from the SDK models); facts the API keeps
elsewhere (a server's HDA version, its applied TSVI setting) live in side tables.
"""

import uuid

from . import errors
from .errors import ApiError

HDA_TYPES = ("SBC", "OA_APP", "PT_APP")
DEFAULT_LATEST_HDA = {"SBC": "25.6.0.1010", "OA_APP": "25.6.0.1012", "PT_APP": "25.6.0.1013"}
OLDER_HDA = {
    "SBC": ("24.12.0.1004", "25.3.0.1006"),
    "OA_APP": ("24.12.0.1005", "25.3.0.1007"),
    "PT_APP": ("24.12.0.1003", "25.3.0.1008"),
}

# Images every simulator knows besides its groups' and servers' own (image id -> name): the image of the modules'
# EXAMPLES and the one playbooks/demo.yml, the ansible-test targets and the smoke test move servers to. Images
# are added with add_image() (Simulator(images=...), ``--image``, POST /_sim/images).
STOCK_IMAGES = {
    "35998d9a-14f2-48fc-832b-6fc0074dc8f8": "WKS_APP_WIN2019_STOCK",
    "0d4c4a8e-3c7b-4f43-9d55-6a2f1c2b9e70": "WKS_APP_WIN2022_STOCK",
}

# Fields /_sim/servers and patch_server() accept besides the record's own keys.
SERVER_SIDE_FIELDS = ("hda_version", "tsvi_enabled")

FLAVORS = {
    False: {"flavor_id": "s6.xlarge.4", "product_id": "workspace.appstream.general.xlarge.4", "cpu": "4",
            "memory": "16384", "descriptions": "s6.xlarge.4 general|4 vCPUs|16 GiB"},
    True: {"flavor_id": "g6.xlarge.4", "product_id": "workspace.appstream.gpu.g6.xlarge.4", "cpu": "4",
           "memory": "16384", "descriptions": "g6.xlarge.4 GPU|4 vCPUs|16 GiB|T4", "gpu_desc": "NVIDIA T4"},
}


class FleetBuilder:
    """Builders and setters of the fleet (a part of ``FleetState``)."""

    # ------------------------------------------------------------------ ids

    def _uuid(self, rng=None):
        return str(uuid.UUID(int=(rng or self._rng).getrandbits(128), version=4))

    # ------------------------------------------------------------------ default fleet

    def _build_default_fleet(self, servers, groups, outdated_hda):
        """``groups``: how many server groups (named sim-group-1, ...), or their names in order."""
        names = groups if isinstance(groups, list) else ["sim-group-%d" % index for index in range(1, groups + 1)]
        group_ids = []
        for index, name in enumerate(names, start=1):
            first = index == 1
            group = self.add_group(name, is_vdi=False, ip_virtual=first,
                                   app_type="SESSION_DESKTOP_APP" if first else "COMMON_APP")
            group_ids.append(group["id"])
        outdated = set(self._rng.sample(range(servers), int(round(outdated_hda * servers)))) if servers else set()
        for index in range(servers):
            group_id = group_ids[index % len(group_ids)]
            hda_version = None
            if index in outdated:
                hda_version = self._rng.choice(OLDER_HDA[self._hda_type_for(self._groups[group_id], False)])
            self.add_server(group_id, hda_version=hda_version)

    # ------------------------------------------------------------------ images

    def add_image(self, image_id, name=None):
        """Make ``image_id`` known (an image of the tenant the API accepts); return ``{"image_id", "image_name"}``.

        The builders (``add_group``, ``add_server``, ``patch_server``) add the images they are given; the API's
        image changes and group creates and updates refuse one that is not known (:meth:`_require_image`).
        """
        if not isinstance(image_id, str) or not image_id:
            raise ValueError("image_id must be a non-empty string")
        with self.lock:
            known = self._images.setdefault(image_id, {"image_id": image_id, "image_name": name or image_id})
            if name:
                known["image_name"] = name
            return dict(known)

    def images(self):
        """The known images, ``[{"image_id", "image_name"}, ...]`` in the order they became known."""
        with self.lock:
            return [dict(image) for image in self._images.values()]

    def _require_image(self, image_id):
        """400 ``WKS.00211210`` (a guess, see README.md) for an image the tenant does not have."""
        if image_id not in self._images:
            raise ApiError(400, errors.IMAGE_NOT_FOUND, "image_id: %s" % image_id)

    # ------------------------------------------------------------------ builders

    def add_group(self, name, is_vdi=False, ip_virtual=False, app_type="COMMON_APP", image_id=None, is_gpu=False,
                  image_type="private", image_product_id=None, os_type="Windows", route_policy=None,
                  storage_mount_policy="USER", server_group_status=True, description="", **fields):
        """Add a server group and return its live record (ShowServerGroupResponse shape).

        ``is_gpu`` sets the group's product (its servers inherit it). Extra
        keyword arguments override record fields as they are.
        """
        with self.lock:
            flavor = FLAVORS[bool(is_gpu)]
            now = self.clock.iso()
            group = {
                "id": self._uuid(),
                "name": name,
                "description": description,
                "image_id": image_id or self._uuid(),
                "os_type": os_type,
                "product_id": flavor["product_id"],
                "subnet_id": self._subnet_id,
                "system_disk_type": "SAS",
                "system_disk_size": 80,
                "is_vdi": bool(is_vdi),
                "extra_session_type": "GPU" if is_gpu else "CPU",
                "extra_session_size": 0,
                "app_type": app_type,
                "create_time": now,
                "update_time": now,
                "storage_mount_policy": storage_mount_policy,
                "enterprise_project_id": "0",
                "primary_server_group_ids": [],
                "secondary_server_group_ids": [],
                "server_group_status": server_group_status,
                "site_type": "CENTER",
                "site_id": "center",
                "app_server_flavor_count": 1,
                "app_server_count": 0,
                "app_group_count": 1,
                "image_name": "WKS_APP_WIN2019_%s" % name.upper().replace("-", "_"),
                "product_info": self._product_info(is_gpu, 1 if is_vdi else 10),
                "subnet_name": "subnet-sim",
                "scaling_policy": {"enable": False, "max_scaling_amount": 0, "single_expansion_count": 0},
                "tags": [],
                "ou_name": "",
                "flavors": [{"id": flavor["flavor_id"], "links": []}],
                "project_name": self.region,
                "image_min_disk": 0,
                "route_policy": dict(route_policy) if route_policy is not None else
                {"max_session": 1 if is_vdi else 10, "cpu_threshold": 80, "mem_threshold": 80},
                "image_product_id": image_product_id if image_product_id is not None else "",
                "image_type": image_type,
                "ip_virtual": {"enable": bool(ip_virtual)},
            }
            group.update(fields)
            self.add_image(group["image_id"], group["image_name"] if not image_id else None)
            self._groups[group["id"]] = group
            self._group_counts[group["id"]] = 0
            return group

    def _product_info(self, is_gpu, sessions):
        flavor = FLAVORS[bool(is_gpu)]
        info = {
            "product_id": flavor["product_id"],
            "flavor_id": flavor["flavor_id"],
            "type": "BASE",
            "architecture": "x86",
            "cpu": flavor["cpu"],
            "memory": flavor["memory"],
            "is_gpu": bool(is_gpu),
            "system_disk_type": "SAS",
            "system_disk_size": "80",
            "descriptions": flavor["descriptions"],
            "charge_mode": "0",
            "contain_data_disk": False,
            "resource_type": "hws.resource.type.workspace.appstream",
            "cloud_service_type": "hws.service.type.vdi",
            "volume_product_type": "workspace",
            "sessions": sessions,
            "status": "normal",
        }
        if is_gpu:
            info["gpu_desc"] = flavor["gpu_desc"]
            info["support_gpu_type"] = "A40"
        return info

    def add_server(self, group_id, name=None, hda_version=None, image_id=None, status="REGISTERED",
                   maintain_status=False, is_gpu=None, session_count=None, vm_status="ACTIVE", tsvi_enabled=None,
                   **fields):
        """Add a server to ``group_id`` and return its live record (ShowServerResponse shape).

        Defaults: name ``sim-server-NNNN``, the group's image, the latest HDA of
        its type, the group's GPU flag, 0..3 sessions (0..1 in a VDI group), TSVI
        as the group sets it. ``session_count`` sessions are started on it (over
        the past hours; most Active, some Disconnected). Extra keyword arguments
        override record fields as they are.
        """
        with self.lock:
            group = self._groups.get(group_id)
            if group is None:
                raise KeyError("unknown server group %s" % group_id)
            self._server_seq += 1
            seq = self._server_seq
            gpu = group["product_info"]["is_gpu"] if is_gpu is None else bool(is_gpu)
            flavor = FLAVORS[gpu]
            if image_id:
                self.add_image(image_id)
            server_id = self._uuid()
            machine = "APS-" + "".join(self._rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _unused in range(8))
            ip_addr = "10.%d.%d.%d" % (10 + seq // 62500, (seq // 250) % 250, seq % 250 + 2)
            mac = "fa:16:3e:%02x:%02x:%02x" % (self._rng.randrange(256), self._rng.randrange(256),
                                               self._rng.randrange(256))
            port_id = self._uuid()
            now = self.clock.iso()
            if session_count is None:
                session_count = self._rng.randint(0, 1 if group["is_vdi"] else 3)
            record = {
                "id": server_id,
                "name": name or "sim-server-%04d" % seq,
                "machine_name": machine,
                "description": "",
                "server_group_id": group_id,
                "flavor": {"id": flavor["flavor_id"], "links": [{"rel": "self"}, {"rel": "bookmark"}]},
                "status": status,
                "create_time": now,
                "update_time": now,
                "image_id": image_id or group["image_id"],
                "availability_zone": self.region + "a",
                "domain": "wksapp.sim.example.com",
                "ou_name": "",
                "sid": "S-1-5-21-1213649063-4191095369-2401105760-%d" % (1100 + seq),
                "instance_id": self._uuid(),
                "os_version": "Windows Server 2019 Datacenter 64bit",
                "os_type": group["os_type"],
                "order_id": "",
                "maintain_status": bool(maintain_status),
                "scaling_auto_create": False,
                "job_id": None,
                "job_type": None,
                "job_status": None,
                "job_time": None,
                "resource_pool_id": self._vpc_id,
                "resource_pool_type": "private",
                "host_id": None,
                "server_group_name": group["name"],
                "product_info": self._product_info(gpu, 1 if group["is_vdi"] else 10),
                "metadata": {"charging_mode": "0", "metering.resourcespeccode": flavor["flavor_id"] + ".win",
                             "metering.resourcetype": "1", "vpc_id": self._vpc_id},
                "session_count": 0,  # counted as its sessions start, below
                "vm_status": vm_status,
                "task_status": None,
                "freeze": [],
                "host_address": [{"addr": ip_addr, "version": 4, "os_ext_ips_ma_cmac_addr": mac,
                                  "os_ext_ip_stype": "fixed", "os_ext_ip_sport_id": port_id, "vpc_id": self._vpc_id,
                                  "subnet_id": self._subnet_id, "tenant_type": "tenant"}],
                "enterprise_project_id": "0",
                "tags": [],
                "addresses": {self._vpc_id: [{"addr": ip_addr, "version": "4", "os_ext_ips_ma_cmac_addr": mac,
                                              "os_ext_ip_sport_id": port_id, "os_ext_ip_stype": "fixed"}]},
                "root_volume": {"type": "SAS", "size": 80, "device": "/dev/vda", "id": self._uuid(),
                                "volume_id": self._uuid()},
                "data_volumes": [],
                "security_groups": [{"id": self._vpc_id, "name": "default"}],
            }
            record.update(fields)
            self._servers[server_id] = record
            self._group_counts[group_id] += 1
            hda_type = self._hda_type_for(group, gpu)
            self._hda[server_id] = hda_version or self.latest_hda[hda_type]
            self._tsvi[server_id] = group["ip_virtual"]["enable"] if tsvi_enabled is None else bool(tsvi_enabled)
            self._server_sessions[server_id] = []
            self._open_sessions(server_id, session_count, self.clock.monotonic(), backdate=True)
            return record

    def set_latest_hda(self, version, hda_type=None):
        """Publish ``version`` as the latest HDA of ``hda_type`` (None: SBC, OA_APP and PT_APP)."""
        with self.lock:
            for kind in (HDA_TYPES if hda_type is None else (hda_type,)):
                if kind not in HDA_TYPES:
                    raise ValueError("unknown HDA type %r" % kind)
                self.latest_hda[kind] = version

    def set_hda_version(self, server_id, version):
        """Set the HDA version a server runs."""
        with self.lock:
            self._require_server(server_id)
            self._hda[server_id] = version

    def patch_server(self, server_id, **fields):
        """Change fields of a server record; ``hda_version`` and ``tsvi_enabled`` go to the side tables.

        ``session_count=N`` starts sessions (now; most Active, some Disconnected) or signs out the newest
        ones until N have not ended (maintenance mode does not stop a test adding sessions). Unknown field
        names raise KeyError (a typo should not pass silently).
        """
        with self.lock:
            record = self._require_server(server_id)
            unknown = [key for key in fields if key not in record and key not in SERVER_SIDE_FIELDS]
            if unknown:
                raise KeyError("unknown server field(s): %s" % ", ".join(sorted(unknown)))
            self._advance_sessions(self.clock.monotonic())  # sessions ended so far count before the record changes
            was_in_maintenance = record.get("maintain_status")
            if fields.get("image_id"):
                self.add_image(fields["image_id"])
            for key, value in fields.items():
                if key == "hda_version":
                    self._hda[server_id] = value
                elif key == "tsvi_enabled":
                    self._tsvi[server_id] = bool(value)
                elif key == "session_count":
                    self._set_session_count(server_id, value)
                else:
                    record[key] = value
            if "session_count" in fields or record.get("maintain_status") != was_in_maintenance:
                self._drains.pop(server_id, None)  # a new count of sessions, or maintenance entered/left: start over
                self._track_drain(server_id, self.clock.monotonic())
            return record

    # ------------------------------------------------------------------ per-server facts

    def hda_type(self, server_id):
        """``SBC``, ``OA_APP`` or ``PT_APP``, from the server's group and GPU flag."""
        with self.lock:
            record = self._require_server(server_id)
            return self._hda_type_for(self._groups[record["server_group_id"]], record["product_info"]["is_gpu"])

    def latest_hda_for(self, server_id):
        """The latest HDA version for the server's HDA type."""
        with self.lock:
            return self.latest_hda[self.hda_type(server_id)]

    @staticmethod
    def _hda_type_for(group, is_gpu):
        if not group["is_vdi"]:
            return "SBC"
        return "PT_APP" if is_gpu else "OA_APP"

    def _require_server(self, server_id):
        record = self._servers.get(server_id)
        if record is None:
            raise KeyError("unknown server %s" % server_id)
        return record

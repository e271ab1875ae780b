"""Real ``ansible-inventory`` (and ``ansible-playbook -i``) runs of the ``app_servers`` inventory plugin against the
simulator."""

import json
import subprocess

import yaml

from .playbook import ansible_command, playbook_environment

PLUGIN = "huaweicloud.workspace_app.app_servers"


def plain(value):
    """``ansible-inventory --list`` output without ansible-core 2.19's ``{"__ansible_unsafe": ...}`` wrappers."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return dict((key, plain(item)) for key, item in value.items())
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def service_requests(sim):
    """The requests the simulator got from clients (its own ``/_sim`` control calls left out)."""
    return [record for record in sim.log.requests() if not (record.path or "").startswith("/_sim")]


class InventoryRun:
    """What one run printed; for ``--list``, the inventory (``hostvars``, ``groups``)."""

    def __init__(self, process):
        self.rc = process.returncode
        self.stdout = process.stdout
        self.stderr = process.stderr

    @property
    def output(self):
        return self.stdout + self.stderr

    def says(self, text):
        """Is ``text`` in the error output, however Ansible wrapped its lines (ansible-core 2.16 wraps warnings
        at 80 columns, breaking at spaces and hyphens)?"""
        return "".join(text.split()) in "".join(self.stderr.split())

    @property
    def inventory(self):
        return plain(json.loads(self.stdout))

    @property
    def hostvars(self):
        return self.inventory["_meta"]["hostvars"]

    def group(self, name):
        """The hosts of a group (directly in it) of a ``--list`` run."""
        return sorted(self.inventory.get(name, {}).get("hosts", []))

    @property
    def groups(self):
        return sorted(name for name in self.inventory if name not in ("_meta", "all"))


class InventoryRunner:
    """Writes ``<name>.app_servers.yml`` configurations in ``tmp_path`` and runs Ansible on them."""

    def __init__(self, tmp_path, sim):
        self.tmp_path = tmp_path
        self.sim = sim

    def connection(self, project_id=True):
        """The connection options of the simulator (``project_id`` False: looked up through IAM)."""
        creds = self.sim.credentials
        options = {"endpoint": self.sim.url, "iam_endpoint": self.sim.url, "region": creds["region"],
                   "access_key": creds["ak"], "secret_key": creds["sk"]}
        if project_id:
            options["project_id"] = creds["project_id"]
        return options

    def config(self, filename="fleet", connection=True, project_id=True, **options):
        """Write a configuration file: the plugin, the simulator's connection unless ``connection`` is False
        (without ``project_id`` when that is False), and ``options``; returns its path. ``filename`` without a dot
        becomes ``<filename>.app_servers.yml``."""
        config = {"plugin": PLUGIN}
        if connection:
            config.update(self.connection(project_id))
        config.update(options)
        path = self.tmp_path / ("%s.app_servers.yml" % filename if "." not in filename else filename)
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    def environment(self, extra=None, strict=True):
        """The run's environment; ``strict``: a source that fails to parse fails the run (rc != 0)."""
        env = {"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true" if strict else "false"}
        env.update(extra or {})
        return playbook_environment(str(self.tmp_path), env)

    def run(self, config, *args, env=None, strict=True, command="ansible-inventory"):
        cmd = [ansible_command(command), "-i", str(config)] + list(args or (["--list"] if command ==
                                                                            "ansible-inventory" else []))
        process = subprocess.run(cmd, env=self.environment(env, strict), capture_output=True, text=True,
                                 timeout=300, check=False, cwd=str(self.tmp_path))
        return InventoryRun(process)

    def inventory(self, env=None, **options):
        """``ansible-inventory --list`` of a configuration of ``options``; fails the test when the run failed."""
        run = self.run(self.config(**options), env=env)
        assert run.rc == 0, run.output
        return run

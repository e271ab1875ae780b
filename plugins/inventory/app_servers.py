# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: app_servers
short_description: Huawei Cloud Workspace application streaming servers as inventory hosts
version_added: 1.0.0
description:
  - One inventory host per application streaming server (C(GET /v1/{project_id}/app-servers)), with the server's
    fields as host variables under the API's own names (C(id), C(server_group_id), C(status), C(maintain_status),
    C(session_count), C(image_id), C(host_address), ...; C(name) and C(tags), which Ansible reserves, as
    C(server_name) and C(server_tags)), its server group's name as C(server_group_name), its server group's tags as
    C(server_group_tags) (a dict of key to value, from the same listing of the groups, so no request of its own)
    and, with O(hda=true), its access agent (HDA) version, HDA type and the latest version of that type.
  - O(keyed_groups) can group by a tag of the server group, for example an entry with the key
    V(server_group_tags.owner) and the prefix V(owner) puts the servers of groups tagged C(owner=cad) in
    C(owner_cad) (servers whose group has no such tag are in no such group; with O(strict=false) that is not an
    error).
  - Groups per server group and per maintenance state, plus the usual O(compose), O(groups) and O(keyed_groups).
  - Reads only; the connection options are the modules' own (same names, environment variables and credentials
    file).
  - The configuration file's name must end in C(app_servers.yml) or C(app_servers.yaml), for example
    C(prod.app_servers.yml); other files are left to other inventory plugins.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  plugin:
    description: The name of this plugin; it marks the file as this plugin's configuration.
    required: true
    type: str
    choices: [huaweicloud.workspace_app.app_servers]
  server_group_ids:
    description:
      - Only servers of these server groups (ids). An id no group has fails, naming the groups there are.
      - Combined with O(server_group_names), the servers of every group either names.
    type: list
    elements: str
  server_group_names:
    description:
      - Only servers of the server groups with these exact names. A name no group has fails, naming the groups
        there are; when several groups share a name, the servers of all of them are hosts.
    type: list
    elements: str
  status:
    description:
      - Only servers in one of these states (the server record's C(status)).
      - The states are V(UNREGISTER), V(REGISTERED), V(MAINTAINING), V(FREEZE), V(STOPPED) and V(NONE); any other
        value fails naming them.
    type: list
    elements: str
  hda:
    description:
      - Also read the access agent list and the latest versions, and add the host variables C(current_version)
        (V(null) when the service reports none), C(hda_type) (V(SBC), V(OA_APP) or V(PT_APP)) and
        C(latest_version) (the latest version of that type).
    type: bool
    default: false
  hostnames:
    description:
      - How hosts are named, in order of preference; a server gets the first entry that gives it a name no other
        selected server gets from any entry, else its id.
      - V(name), V(id), V(machine_name), V(sid) and V(instance_id) are the server's fields; V(ip_address) is its
        first IPv4 address (C(host_address)), else its first address.
      - Any other entry is a Jinja expression over the host variables, as in O(compose) (for example
        V(server_name ~ '.' ~ server_group_name)); one that fails or gives an empty value is skipped (with O(strict=true)
        it fails the inventory).
    type: list
    elements: str
    default: [name, id]
  hostvars_prefix:
    description:
      - Put this text in front of every host variable taken from the server record (not C(ansible_host)), for
        example V(app_) for C(app_id), C(app_status), C(app_name).
      - With no prefix, the fields whose names Ansible reserves for its own keywords (C(name) and C(tags)) are
        set as C(server_name) and C(server_tags), so that no play warns about a reserved variable name;
        C(server_name) is also the name the access agent API gives the server's name.
    type: str
    default: ""
  set_ansible_host:
    description:
      - Set C(ansible_host) to the server's first IPv4 address (else its first address), for plays that connect
        to the servers themselves. Off by default because these servers are managed through the API.
    type: bool
    default: false
  default_groups:
    description:
      - Put every host in a group named after its server group (the name with characters that are not valid in
        a group name replaced by C(_), for example C(apps_prod) for C(apps-prod)) and in C(in_maintenance) or
        C(in_service).
    type: bool
    default: true
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.server_filters
  - constructed
  - inventory_cache
notes:
  - "Cost: one listing of the server groups, the server list (per selected group, or the whole tenant; 100 servers
    per page) and with O(hda=true) the access agent list the same way plus one request for the latest versions; a
    project id looked up through IAM adds one. 150 servers cost 3 requests (6 with O(hda=true)), 1,000 servers with
    O(hda=true) 22."
  - With O(cache=true), a run within O(cache_timeout) of the last one reads the cache and sends no request. The
    cache key covers the configuration file, the endpoint, the credential's access key (never a secret) and the
    selection, so changing the selection reads afresh.
  - Secrets (O(secret_key), O(security_token), O(auth_token)) are never written to the cache, the host variables
    or any message. Keep them out of the file (environment variables, an AWX credential, or Ansible Vault).
  - "Failures: a wrong credential, a fleet that cannot be read (the service unreachable, an error after the
    retries) or a bad option makes the plugin raise an error that names the cause (never a secret). Whether that
    ends the run is ansible-core's choice, not the plugin's: its inventory manager catches every error a plugin
    raises and, by default, prints it as a warning and goes on without the source (C(no hosts matched), exit code
    0). AWX sets C(ANSIBLE_INVENTORY_UNPARSED_FAILED=True) for every inventory update, so there a wrong credential
    fails the update (and a job template that updates its inventory on launch). On the command line set
    C(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true) (C(any_unparsed_is_failed = true) in the C([inventory])
    section of C(ansible.cfg)); it also covers an inventory directory or several C(-i) sources, where
    C(unparsed_is_failed) fails only when no source parses at all."
  - 'Host variables are plain strings, also in C(ansible-inventory --list --export) (what AWX imports), except
    text that could be a Jinja template (it holds C({) or C(#jinja2:)), such as a server description someone typed:
    that is marked unsafe, so Ansible never renders it, and C(--export) writes it as C({"__ansible_unsafe": ...}).'
  - Hosts are added in server name order, so C(--list), C(--list-hosts) and the plays run them in that order.
"""

EXAMPLES = r"""
# Three configuration files, one inventory source each. The first is live YAML; the others are commented
# out so that the examples stay one YAML document (uncomment one into its own file).
# prod.app_servers.yml: every server, named by its server name, credentials from the environment
# (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_REGION) or ~/.huaweicloud/credentials.
plugin: huaweicloud.workspace_app.app_servers
region: cn-north-4

# apps.app_servers.yml: two groups, with the HDA version; groups by HDA state and by image.
# plugin: huaweicloud.workspace_app.app_servers
# region: ap-southeast-1
# server_group_names: [apps-prod, apps-canary]
# status: [REGISTERED]
# hda: true
# hostnames:
#   - machine_name
#   - name
# compose:
#   hda_outdated: current_version != latest_version
# groups:
#   hda_behind: current_version != latest_version
# keyed_groups:
#   - key: server_group_tags.owner
#     prefix: owner
#   - key: image_id
#     prefix: image
#   - key: vm_status
#     prefix: vm
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/workspace_app_inventory
# cache_timeout: 600

# ssh.app_servers.yml: connect to the servers themselves, named by IP
# plugin: huaweicloud.workspace_app.app_servers
# region: cn-north-4
# maintain_status: false
# hostnames: [ip_address, name]
# set_ansible_host: true
"""

import re

from collections.abc import Mapping

from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.group import to_safe_group_name
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.parsing.convert_bool import BOOLEANS
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var
from ansible.vars.reserved import get_reserved_names

try:  # ansible-core 2.19+: a string is rendered as a template only when it is tagged trusted
    from ansible.template import trust_as_template
except ImportError:  # before 2.19 every string is rendered unless it is marked unsafe (wrap_var)
    trust_as_template = None

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import shared_state
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.client import HAS_REQUESTS, Client
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.connection import OPTIONS, resolve_connection
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import (
    ApiError, ConfigurationError, TargetError, api_error_message)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import CONNECTION_RULES
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import SERVER_STATUSES, first_address, read_fleet

CONFIG_SUFFIXES = ("app_servers.yml", "app_servers.yaml")
CONNECTION_OPTIONS = tuple(OPTIONS) + ("validate_certs", "request_timeout", "max_retries")
# hostnames entries that name a field of the server record (every other entry is a Jinja expression)
HOSTNAME_FIELDS = ("name", "id", "machine_name", "sid", "instance_id")
IP_ADDRESS = "ip_address"
MAINTENANCE_GROUPS = {True: "in_maintenance", False: "in_service"}
VARIABLE_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# play keywords and template globals: a host variable of one of these names makes every play warn
RESERVED_NAMES = frozenset(get_reserved_names())
# Jinja2 override header: a string starting with it is a template even without delimiters
JINJA2_OVERRIDE = "#jinja2:"


def could_be_template(text):
    """Could Ansible render this text as a template? Every delimiter it uses ({{, {%, {#) starts with {, and a
    string starting with the #jinja2: override header is a template without any."""
    return "{" in text or JINJA2_OVERRIDE in text


def for_inventory(value):
    """A value read from the cloud as a host variable: text that could be a template is marked unsafe, so that
    Ansible never renders it (a server name or description is whatever someone typed); any other text is plain.

    Plain matters for ``ansible-inventory --list --export``, which AWX imports: ansible-core 2.19 writes every
    string it does not trust as ``{"__ansible_unsafe": text}``, which AWX stores as a mapping. Trusting text with
    no template delimiter changes nothing when it is rendered (there is nothing to render), so it is trusted on
    2.19 and left a plain ``str`` before (where a plain ``str`` is written as is)."""
    if isinstance(value, Mapping):
        return dict((key, for_inventory(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [for_inventory(item) for item in value]
    if isinstance(value, str):
        if could_be_template(value):
            return wrap_var(value)
        return trust_as_template(value) if trust_as_template is not None else value
    return value


TYPE_NAMES = {"bool": "a boolean (true or false)", "boolean": "a boolean (true or false)", "int": "an integer",
              "integer": "an integer", "float": "a number", "list": "a list", "dict": "a mapping",
              "str": "a string", "string": "a string", "path": "a path (a string)"}


def fits(wanted, value):
    """Does a configuration value have the declared type? Ansible would turn ``maybe`` into false, and on some
    versions a list into its text: such values fail here instead."""
    if wanted in ("bool", "boolean"):
        return (value.lower() if isinstance(value, str) else value) in BOOLEANS
    if wanted in ("int", "integer"):
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and value.strip().lstrip("-").isdigit())
    if wanted == "float":
        if isinstance(value, bool):
            return False
        try:
            float(value)
        except (TypeError, ValueError):
            return False
        return True
    if wanted == "list":
        return isinstance(value, (list, str))  # a string is a comma-separated list to Ansible
    if wanted == "dict":
        return isinstance(value, Mapping)
    return not isinstance(value, (list, dict, bool))  # str, path: a vaulted value is not a str on every version


def kind_of(value):
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "text"


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "huaweicloud.workspace_app.app_servers"

    def verify_file(self, path):
        """Only files named ``*app_servers.yml`` / ``*app_servers.yaml`` are this plugin's."""
        return super(InventoryModule, self).verify_file(path) and to_native(path).endswith(CONFIG_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        try:
            # the raw file first: Ansible's own type errors quote the value, which may be a secret
            self.check_types(self.loader.load_from_file(path, cache="none"))
        except ConfigurationError as exc:
            raise AnsibleParserError("%s: %s" % (to_native(path), exc))
        self._read_config_data(path)
        try:
            self.check_config()
            settings = resolve_connection(self.connection_params())
            servers = self.cached_or_read(settings, path, cache)
        except (ConfigurationError, TargetError) as exc:
            raise AnsibleParserError("%s: %s" % (to_native(path), exc))
        except ApiError as exc:
            raise AnsibleParserError("%s: %s" % (to_native(path), api_error_message(exc)))
        self.populate(servers)

    # -- options, checked before any request ---------------------------------------------------------------
    def definitions(self):
        """``{option or alias: its definition}`` of every declared option (``plugin`` among them)."""
        found = {}
        for name, definition in (C.config.get_configuration_definitions("inventory", self._load_name) or {}).items():
            for key in [name] + list(definition.get("aliases") or []):
                found[key] = definition
        return found

    def check_types(self, config):
        """Unknown options and values of the wrong type fail, naming the option and never the value."""
        if not isinstance(config, Mapping):
            return  # _read_config_data says what is wrong with it
        definitions = self.definitions()
        unknown = sorted(to_native(key) for key in config if key not in definitions)
        if unknown:
            raise ConfigurationError("unknown option(s) %s; the options are: %s"
                                     % (", ".join(unknown), ", ".join(sorted(definitions))))
        for key, value in config.items():
            wanted = definitions[key].get("type") or "str"
            if value is not None and not fits(wanted, value):
                raise ConfigurationError("%s: expected %s, got %s" % (key, TYPE_NAMES.get(wanted, wanted),
                                                                      kind_of(value)))

    def check_config(self):
        for option in ("server_group_ids", "server_group_names", "hostnames", "status"):
            values = self.get_option(option)
            if values is not None and any(not to_native(v).strip() for v in values):
                raise ConfigurationError("%s: the list holds an empty value" % option)
        if self.get_option("hostnames") == []:
            raise ConfigurationError("hostnames: the list is empty; name at least one preference, such as name")
        statuses = self.get_option("status")
        wrong = [s for s in statuses or [] if s not in SERVER_STATUSES]
        if wrong:
            raise ConfigurationError("status: %s not allowed; allowed values are %s"
                                     % (", ".join(repr(to_native(s)) for s in wrong), ", ".join(SERVER_STATUSES)))
        prefix = to_native(self.get_option("hostvars_prefix") or "")
        if prefix and not VARIABLE_PREFIX.fullmatch(prefix):
            raise ConfigurationError("hostvars_prefix: %r would not make valid variable names; use letters, digits "
                                     "and _, not starting with a digit (such as app_)" % prefix)
        if self.get_option("name") is not None and not to_native(self.get_option("name")).strip():
            raise ConfigurationError("name: must not be empty")
        params = self.connection_params()
        for rule in CONNECTION_RULES:
            rule(params)
        if not HAS_REQUESTS:
            raise ConfigurationError("the Python library 'requests' is required on the controller")

    def connection_params(self):
        """The connection options as the modules take them (vaulted or tagged strings as plain ``str``)."""
        params = {}
        for name in CONNECTION_OPTIONS:
            value = self.get_option(name)
            params[name] = to_native(value) if name in OPTIONS and value is not None else value
        return params

    def selection(self):
        return dict(group_ids=self.get_option("server_group_ids"), group_names=self.get_option("server_group_names"),
                    name=self.get_option("name"), maintain_status=self.get_option("maintain_status"),
                    statuses=self.get_option("status"), hda=self.get_option("hda"))

    # -- reading, or the cache -------------------------------------------------------------------------------
    def cache_key(self, settings, path):
        """Per file, endpoint, project, credential (never a secret) and selection."""
        selection = self.selection()
        parts = [settings.endpoint, settings.values.get("project_id") or settings.values.get("region"),
                 shared_state.credential_id(settings.values)]
        parts.extend("%s=%r" % (key, selection[key]) for key in sorted(selection))
        return "%s_%s" % (self.get_cache_key(path), shared_state.fingerprint(*parts)[:16])

    def cached_or_read(self, settings, path, cache):
        use_cache = self.get_option("cache")
        key = self.cache_key(settings, path)
        if use_cache and cache:
            try:
                return self._cache[key]
            except KeyError:
                pass
        servers = read_fleet(Client(settings), **self.selection())
        if use_cache:
            self._cache[key] = servers
        return servers

    # -- hosts and groups ----------------------------------------------------------------------------------
    def candidates(self, server, strict):
        """The names each ``hostnames`` entry gives this server, in order (None where it gives none)."""
        names = []
        for entry in self.get_option("hostnames"):
            entry = to_native(entry)
            if entry in HOSTNAME_FIELDS:
                value = server.get(entry)
            elif entry == IP_ADDRESS:
                value = first_address(server)
            else:
                try:
                    value = self._compose(entry, self.host_variables(server))
                except Exception as exc:  # pylint: disable=broad-except  # any template error: next entry
                    if strict:
                        raise AnsibleError("hostnames: %r could not be rendered for server %s: %s"
                                           % (entry, server.get("id"), to_native(exc)))
                    value = None
            value = to_native(value).strip() if value not in (None, "") else ""
            names.append(value or None)
        return names

    def hostnames(self, servers, strict):
        """``{server id: host name}``: each server's first candidate that no other server has, else its id."""
        candidates = dict((server["id"], self.candidates(server, strict)) for server in servers)
        owners = {}
        for server_id, names in candidates.items():
            for name in set(n for n in names if n):
                owners.setdefault(name, set()).add(server_id)
        chosen = {}
        for server_id, names in candidates.items():
            chosen[server_id] = next((n for n in names if n and owners[n] == set([server_id])), server_id)
        return chosen

    def variable_name(self, field):
        """The host variable of a server record's field: the prefix and the field, or for a field whose name
        Ansible reserves (``name``, ``tags``) and no prefix, ``server_<field>``."""
        prefix = to_native(self.get_option("hostvars_prefix") or "")
        if not prefix and field in RESERVED_NAMES:
            return "server_" + field
        return prefix + field

    def host_variables(self, server):
        """A server record as host variables: what compose, groups and Jinja hostnames see."""
        return dict((self.variable_name(key), value) for key, value in server.items())

    def populate(self, servers):
        strict = self.get_option("strict")
        names = self.hostnames(servers, strict)
        # hosts (and each group's hosts) in server name order, as plans list servers; Ansible keeps that order
        # for --list, --list-hosts and the order in which a play runs its hosts
        for server in sorted(servers, key=lambda s: (to_native(s.get("name") or ""), names[s["id"]])):
            host = names[server["id"]]
            host = wrap_var(host) if could_be_template(host) else host  # never rendered as inventory_hostname
            self.inventory.add_host(host)
            for key, value in server.items():
                self.inventory.set_variable(host, self.variable_name(key), for_inventory(value))
            address = first_address(server)
            if self.get_option("set_ansible_host") and address:
                self.inventory.set_variable(host, "ansible_host", address)
            if self.get_option("default_groups"):
                for group in (server.get("server_group_name") or server.get("server_group_id"),
                              MAINTENANCE_GROUPS[bool(server.get("maintain_status"))]):
                    if group:
                        group = self.inventory.add_group(to_safe_group_name(to_native(group), force=True,
                                                                            silent=True))
                        self.inventory.add_child(group, host)
            hostvars = self.inventory.get_host(host).get_vars()
            self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)

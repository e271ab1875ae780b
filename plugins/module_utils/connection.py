# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Connection settings: where each option comes from and whether the result can work.

The documented precedence is module option > environment > credentials file.
:data:`OPTIONS` says, per option, where it can come from; :func:`resolve_connection`
reads each source and checks the endpoints before anything is sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import configparser
import ipaddress
import os
import re

from collections import namedtuple
from urllib.parse import urlsplit

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ConfigurationError

DEFAULT_CREDENTIALS_FILE = "~/.huaweicloud/credentials"

# Regions served from the "appstream" host; every other region uses "workspace".
APPSTREAM_HOST_REGIONS = frozenset(["cn-north-4", "cn-east-3", "cn-south-1", "cn-north-9", "cn-southwest-2"])
REGION_PATTERN = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")

Option = namedtuple("Option", "environment file_key secret")

# option name -> environment variables in order of precedence, key in the credentials file's [basic] section
# (None: not read from the file), and whether the value is a secret that must never be shown.
OPTIONS = {
    "region": Option(("HUAWEICLOUD_SDK_REGION", "HW_REGION_NAME"), None, False),
    "project_id": Option(("HUAWEICLOUD_SDK_PROJECT_ID", "HW_PROJECT_ID"), "project_id", False),
    "access_key": Option(("HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY"), "ak", False),
    "secret_key": Option(("HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY"), "sk", True),
    "security_token": Option(("HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN"), "security_token", True),
    "auth_token": Option(("HW_AUTH_TOKEN",), None, True),
    "credentials_file": Option(("HUAWEICLOUD_SDK_CREDENTIALS_FILE",), None, False),
    "endpoint": Option(("HW_WORKSPACE_APP_ENDPOINT",), None, False),
    "iam_endpoint": Option(("HUAWEICLOUD_SDK_IAM_ENDPOINT",), None, False),
}
# Views of the table, for importers that only need one column.
ENVIRONMENT = dict((name, option.environment) for name, option in OPTIONS.items())
SECRET_OPTIONS = tuple(name for name, option in OPTIONS.items() if option.secret)
# What a credential carries (the file's keys and the secrets): stripped, and refused with control characters,
# because a pasted value often ends in a newline that would otherwise end up in a header.
CREDENTIAL_OPTIONS = tuple(name for name, option in OPTIONS.items() if option.file_key or option.secret)
# Passed through from the module options only; the transport gives them their defaults.
TRANSPORT_OPTIONS = ("validate_certs", "request_timeout", "max_retries")


class ConnectionSettings:
    """Resolved connection options. ``sources`` says where each value came from."""

    def __init__(self, values, sources):
        self.values = values
        self.sources = sources

    def __getattr__(self, name):
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name)

    @property
    def secrets(self):
        return [self.values[name] for name in SECRET_OPTIONS if self.values.get(name)]


# -- endpoints ---------------------------------------------------------------------

def _is_loopback(host):
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(option, url):
    """Return ``url`` without a trailing slash, or raise ConfigurationError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError("%s: %r is not a URL; expected https://host[:port]" % (option, url))
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            "%s: plain http:// is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost); "
            "use https:// for %s" % (option, parts.hostname))
    if parts.query or parts.fragment:
        raise ConfigurationError("%s: %r must not carry a query string or fragment" % (option, url))
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError("%s: credentials in the URL are not supported; use the credential options" % option)
    try:
        parts.port
    except ValueError:
        raise ConfigurationError("%s: the port of %s is not a number from 0 to 65535" % (option, parts.hostname))
    return url.rstrip("/")


def service_endpoint(region):
    prefix = "appstream" if region in APPSTREAM_HOST_REGIONS else "workspace"
    return "https://%s.%s.myhuaweicloud.com" % (prefix, region)


# -- one resolver per source: each returns {option: (value, where it came from)} ------------

def _from_options(params):
    return dict((name, (params[name], "option %s" % name)) for name in OPTIONS if params.get(name) not in (None, ""))


def _from_environment(environ):
    found = {}
    for name, option in OPTIONS.items():
        for variable in option.environment:
            if environ.get(variable):
                found[name] = (environ[variable], "environment %s" % variable)
                break
    return found


def _from_credentials_file(path):
    parser = configparser.ConfigParser(interpolation=None)  # secrets may contain %
    try:
        with open(path) as handle:
            parser.read_file(handle)
    except (OSError, configparser.Error) as exc:
        raise ConfigurationError("credentials_file: cannot read %s: %s" % (path, exc))
    if not parser.has_section("basic"):
        raise ConfigurationError("credentials_file: %s has no [basic] section" % path)
    basic = dict(parser.items("basic"))
    source = "credentials file %s" % path
    return dict((name, (basic[option.file_key], source)) for name, option in OPTIONS.items()
                if option.file_key and basic.get(option.file_key))


def _credentials_path(named):
    """The file to read: the one named by option or environment, else the default one if it exists."""
    if named is not None:
        return os.path.expanduser(named)
    default_path = os.path.expanduser(DEFAULT_CREDENTIALS_FILE)
    return default_path if os.path.isfile(default_path) else None


def _merge(sources_in_order):
    """Per option, the value of the first source that has one: ``(values, where each came from)``."""
    values, sources = {}, {}
    for name in OPTIONS:
        for found in sources_in_order:
            if name in found:
                values[name], sources[name] = found[name]
                break
    return values, sources


def _looked_at(name, credentials_path):
    option = OPTIONS[name]
    places = ["option %s" % name] + ["environment %s" % variable for variable in option.environment]
    if option.file_key:
        places.append("credentials file %s" % (credentials_path or DEFAULT_CREDENTIALS_FILE))
    return ", ".join(places)


# -- checks ------------------------------------------------------------------------

def _clean_credentials(values, sources):
    for name in CREDENTIAL_OPTIONS:
        if isinstance(values.get(name), str):
            values[name] = values[name].strip()
            if any(ord(ch) < 32 or ord(ch) == 127 for ch in values[name]):
                # name the option and where it came from, never the value
                raise ConfigurationError("%s (from %s) contains control characters" % (name, sources[name]))


def _check_credentials(values, credentials_path):
    if values.get("auth_token"):
        return
    missing = [name for name in ("access_key", "secret_key") if not values.get(name)]
    if missing:
        raise ConfigurationError(
            "No credentials: %s not found (looked at: %s); alternatively set auth_token (option auth_token, "
            "environment HW_AUTH_TOKEN)" % (" and ".join(missing),
                                            "; ".join(_looked_at(name, credentials_path) for name in missing)))


def _resolve_endpoints(values, credentials_path):
    region = values.get("region")
    if region and not REGION_PATTERN.fullmatch(region):
        raise ConfigurationError("region: %r is not a region name such as cn-north-4 or ap-southeast-1" % region)
    if values.get("endpoint"):
        values["endpoint"] = check_endpoint("endpoint", values["endpoint"])
    elif region:
        values["endpoint"] = service_endpoint(region)
    else:
        raise ConfigurationError("region is required to find the service endpoint (looked at: %s); "
                                 "or set endpoint" % _looked_at("region", credentials_path))
    if not values.get("project_id") and not region:
        raise ConfigurationError("project_id is not set (looked at: %s) and cannot be resolved through IAM "
                                 "without region" % _looked_at("project_id", credentials_path))
    if values.get("iam_endpoint"):
        values["iam_endpoint"] = check_endpoint("iam_endpoint", values["iam_endpoint"])
    elif values.get("endpoint") != service_endpoint(region) and not values.get("project_id"):
        # A custom endpoint (a simulator, a proxy, a private deployment) rarely pairs with the public IAM host;
        # guessing it would hang on an unreachable host before failing with no hint.
        raise ConfigurationError(
            "project_id is not set (looked at: %s) and endpoint %s is not the public one, so the IAM endpoint to look "
            "it up is not known either; set project_id, or iam_endpoint (option iam_endpoint, environment %s)"
            % (_looked_at("project_id", credentials_path), values["endpoint"], OPTIONS["iam_endpoint"].environment[0]))
    elif region:
        values["iam_endpoint"] = "https://iam.%s.myhuaweicloud.com" % region


def resolve_connection(params, environ=None):
    """Apply the documented precedence: module option > environment > credentials file.

    Returns a :class:`ConnectionSettings`; raises ConfigurationError naming
    every place that was looked at when something required is missing.
    """
    by_precedence = [_from_options(params), _from_environment(os.environ if environ is None else environ)]
    # the file's location is itself an option, so the file can only be read once the other two sources are known
    credentials_path = _credentials_path(_merge(by_precedence)[0].get("credentials_file"))
    if credentials_path:
        by_precedence.append(_from_credentials_file(credentials_path))
    values, sources = _merge(by_precedence)
    _clean_credentials(values, sources)
    for name in TRANSPORT_OPTIONS:
        values[name] = params.get(name)
    _check_credentials(values, credentials_path)
    _resolve_endpoints(values, credentials_path)
    return ConnectionSettings(values, sources)

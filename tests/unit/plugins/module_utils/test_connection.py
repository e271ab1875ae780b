"""connection.py: where each connection option comes from (option > environment > credentials file) and the
checks on the result (credentials, region, endpoints)."""

import os

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import connection, errors

# the same values as conftest.py (test modules cannot import conftest under --import-mode=importlib)
AK = "HPUAEXAMPLEAK0000001"
SK = "sk-Secret/+=value-0123456789abcdefSECRET"
TOKEN = "MIIEXAMPLEtokenVALUE-" + "x" * 40
SECURITY_TOKEN = "gQpTEMPORARYsecurityTOKEN+/=" + "y" * 30

AK_SK = dict(access_key=AK, secret_key=SK)


def settings_for(params, environ=None):
    return connection.resolve_connection(params, environ or {})


def write_credentials(path, **basic):
    lines = ["[basic]"] + ["%s = %s" % item for item in basic.items()]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


# ---------------------------------------------------------------------------
# resolve_connection
# ---------------------------------------------------------------------------

@pytest.mark.usefixtures("isolated_home")
class TestResolveConnection:

    def test_option_beats_environment_beats_credentials_file(self, tmp_path):
        path = write_credentials(tmp_path / "cred", ak="FILE_AK", sk="FILE_SK", project_id="file_pid",
                                 security_token="FILE_ST")
        environ = {"HUAWEICLOUD_SDK_AK": "ENV_AK", "HUAWEICLOUD_SDK_SK": "ENV_SK",
                   "HUAWEICLOUD_SDK_PROJECT_ID": "env_pid", "HUAWEICLOUD_SDK_SECURITY_TOKEN": "ENV_ST"}
        params = dict(region="cn-north-4", credentials_file=path)

        from_file = settings_for(params)
        assert (from_file.access_key, from_file.secret_key, from_file.project_id, from_file.security_token) == (
            "FILE_AK", "FILE_SK", "file_pid", "FILE_ST")
        assert from_file.sources["access_key"] == "credentials file %s" % path

        from_env = settings_for(params, environ)
        assert (from_env.access_key, from_env.secret_key, from_env.project_id, from_env.security_token) == (
            "ENV_AK", "ENV_SK", "env_pid", "ENV_ST")
        assert from_env.sources["secret_key"] == "environment HUAWEICLOUD_SDK_SK"

        opts = dict(params, access_key="OPT_AK", secret_key="OPT_SK", project_id="opt_pid", security_token="OPT_ST")
        from_opt = settings_for(opts, environ)
        assert (from_opt.access_key, from_opt.secret_key, from_opt.project_id, from_opt.security_token) == (
            "OPT_AK", "OPT_SK", "opt_pid", "OPT_ST")
        assert from_opt.sources["project_id"] == "option project_id"
        assert from_opt.sources["credentials_file"] == "option credentials_file"

    @pytest.mark.parametrize("name, first, second", [  # as documented in INTERFACE.md
        ("region", "HUAWEICLOUD_SDK_REGION", "HW_REGION_NAME"),
        ("project_id", "HUAWEICLOUD_SDK_PROJECT_ID", "HW_PROJECT_ID"),
        ("access_key", "HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY"),
        ("secret_key", "HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY"),
        ("security_token", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN"),
    ])
    def test_first_environment_name_wins_over_second(self, name, first, second):
        value = "cn-east-3" if name == "region" else "first-" + name
        other = "ap-southeast-1" if name == "region" else "second-" + name
        environ = {"HUAWEICLOUD_SDK_REGION": "cn-north-4"}
        environ.update({first: value, second: other})
        params = dict(AK_SK, project_id="pid")
        params.pop(name, None)
        settings = settings_for(params, environ)
        assert settings.values[name] == value
        assert settings.sources[name] == "environment %s" % first

        del environ[first]
        settings = settings_for(params, environ)
        assert settings.values[name] == other
        assert settings.sources[name] == "environment %s" % second

    def test_documented_environment_names(self):
        environ = {
            "HW_REGION_NAME": "cn-south-1", "HW_PROJECT_ID": "p", "HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "s",
            "HW_SECURITY_TOKEN": "st", "HW_WORKSPACE_APP_ENDPOINT": "http://127.0.0.1:1",
            "HUAWEICLOUD_SDK_IAM_ENDPOINT": "http://127.0.0.1:2",
        }
        settings = settings_for({}, environ)
        assert settings.region == "cn-south-1"
        assert (settings.project_id, settings.access_key, settings.secret_key, settings.security_token) == (
            "p", "a", "s", "st")
        assert settings.endpoint == "http://127.0.0.1:1"
        assert settings.iam_endpoint == "http://127.0.0.1:2"
        token = settings_for({"region": "cn-north-4"}, {"HW_AUTH_TOKEN": "tok"})
        assert token.auth_token == "tok" and token.sources["auth_token"] == "environment HW_AUTH_TOKEN"

    def test_empty_option_falls_back_to_environment(self):
        settings = settings_for(dict(region="", access_key="", secret_key=SK, project_id=None),
                                {"HW_REGION_NAME": "cn-north-4", "HW_ACCESS_KEY": "envak", "HW_PROJECT_ID": "p"})
        assert settings.region == "cn-north-4"
        assert settings.access_key == "envak"
        assert settings.sources["access_key"] == "environment HW_ACCESS_KEY"
        assert settings.sources["secret_key"] == "option secret_key"

    def test_credentials_file_from_environment(self, tmp_path):
        path = write_credentials(tmp_path / "c.ini", ak="FAK", sk="FSK")
        settings = settings_for({"region": "cn-north-4"}, {"HUAWEICLOUD_SDK_CREDENTIALS_FILE": path})
        assert (settings.access_key, settings.secret_key) == ("FAK", "FSK")
        assert settings.sources["secret_key"] == "credentials file %s" % path
        assert settings.sources["credentials_file"] == "environment HUAWEICLOUD_SDK_CREDENTIALS_FILE"

    def test_default_credentials_file_in_home(self, isolated_home):
        (isolated_home / ".huaweicloud").mkdir()
        path = write_credentials(isolated_home / ".huaweicloud" / "credentials", ak="HAK", sk="HSK",
                                 project_id="hpid")
        settings = settings_for({"region": "cn-north-4"})
        assert (settings.access_key, settings.secret_key, settings.project_id) == ("HAK", "HSK", "hpid")
        assert settings.sources["access_key"] == "credentials file %s" % path

    def test_explicit_credentials_file_beats_default(self, isolated_home, tmp_path):
        (isolated_home / ".huaweicloud").mkdir()
        write_credentials(isolated_home / ".huaweicloud" / "credentials", ak="HAK", sk="HSK")
        path = write_credentials(tmp_path / "explicit", ak="XAK", sk="XSK")
        settings = settings_for({"region": "cn-north-4"}, {"HUAWEICLOUD_SDK_CREDENTIALS_FILE": path})
        assert (settings.access_key, settings.secret_key) == ("XAK", "XSK")

    def test_credentials_file_path_with_tilde_is_expanded(self, isolated_home):
        write_credentials(isolated_home / "mine.ini", ak="TAK", sk="TSK")
        settings = settings_for({"region": "cn-north-4", "credentials_file": "~/mine.ini"})
        assert settings.access_key == "TAK"

    def test_file_only_fills_what_is_missing(self, tmp_path):
        path = write_credentials(tmp_path / "c", ak="FAK", sk="FSK", project_id="fpid")
        settings = settings_for({"region": "cn-north-4", "credentials_file": path, "secret_key": "OSK"})
        assert settings.access_key == "FAK" and settings.sources["access_key"].startswith("credentials file")
        assert settings.secret_key == "OSK" and settings.sources["secret_key"] == "option secret_key"

    @pytest.mark.parametrize("missing", ["access_key", "secret_key", "both"])
    def test_missing_credentials_name_every_place_looked_at(self, missing):
        params = {"region": "cn-north-4", "project_id": "p"}
        if missing != "access_key":
            params["access_key"] = AK if missing == "secret_key" else None
        if missing == "access_key":
            params["secret_key"] = SK
        with pytest.raises(errors.ConfigurationError) as info:
            settings_for(params)
        msg = str(info.value)
        names = ["access_key", "secret_key"] if missing == "both" else [missing]
        documented = {"access_key": ("HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY"),
                      "secret_key": ("HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY")}
        for name in names:
            first, second = documented[name]
            assert "option %s" % name in msg
            assert first in msg and second in msg
        assert "credentials file ~/.huaweicloud/credentials" in msg
        assert "auth_token" in msg and "HW_AUTH_TOKEN" in msg
        if missing != "both":
            other = "secret_key" if missing == "access_key" else "access_key"
            assert "option %s" % other not in msg

    def test_missing_credentials_names_the_credentials_file_that_was_read(self, tmp_path):
        path = write_credentials(tmp_path / "c", project_id="p")
        with pytest.raises(errors.ConfigurationError, match="credentials file %s" % str(path)):
            settings_for({"region": "cn-north-4", "credentials_file": path})

    def test_auth_token_alone_is_enough(self):
        settings = settings_for({"region": "ap-southeast-1", "auth_token": TOKEN})
        assert settings.auth_token == TOKEN
        assert settings.values.get("access_key") is None
        assert settings.endpoint == "https://workspace.ap-southeast-1.myhuaweicloud.com"

    @pytest.mark.parametrize("region, host", [
        ("cn-north-4", "appstream"), ("cn-east-3", "appstream"), ("cn-south-1", "appstream"),
        ("cn-north-9", "appstream"), ("cn-southwest-2", "appstream"),
        ("ap-southeast-1", "workspace"), ("ap-southeast-3", "workspace"), ("af-south-1", "workspace"),
        ("la-north-2", "workspace"), ("sa-brazil-1", "workspace"), ("cn-east-5", "workspace"),
        ("cn-north-11", "workspace"), ("tr-west-1", "workspace"),
    ])
    def test_endpoint_derived_from_region(self, region, host):
        settings = settings_for(dict(AK_SK, region=region, project_id="p"))
        assert settings.endpoint == "https://%s.%s.myhuaweicloud.com" % (host, region)
        assert settings.iam_endpoint == "https://iam.%s.myhuaweicloud.com" % region

    def test_endpoint_and_iam_endpoint_override(self):
        settings = settings_for(dict(AK_SK, region="cn-north-4", project_id="p",
                                     endpoint="https://private.example.com:8443/base/",
                                     iam_endpoint="https://iam.example.com/"))
        assert settings.endpoint == "https://private.example.com:8443/base"
        assert settings.iam_endpoint == "https://iam.example.com"
        assert settings.sources["endpoint"] == "option endpoint"

    def test_endpoint_without_region_needs_project_id(self):
        settings = settings_for(dict(AK_SK, endpoint="https://e.example.com", project_id="p"))
        assert settings.endpoint == "https://e.example.com"
        with pytest.raises(errors.ConfigurationError) as info:
            settings_for(dict(AK_SK, endpoint="https://e.example.com"))
        assert "project_id" in str(info.value) and "HUAWEICLOUD_SDK_PROJECT_ID" in str(info.value)

    def test_custom_endpoint_without_project_id_needs_iam_endpoint(self):
        """Guessing the public IAM host for a custom endpoint would hang on it and fail with no hint."""
        with pytest.raises(errors.ConfigurationError) as info:
            settings_for(dict(AK_SK, region="cn-north-4", endpoint="http://127.0.0.1:8080"))
        msg = str(info.value)
        assert "project_id" in msg and "iam_endpoint" in msg and "HUAWEICLOUD_SDK_IAM_ENDPOINT" in msg
        assert "http://127.0.0.1:8080" in msg
        with_iam = settings_for(dict(AK_SK, region="cn-north-4", endpoint="http://127.0.0.1:8080",
                                     iam_endpoint="http://127.0.0.1:8081"))
        assert with_iam.iam_endpoint == "http://127.0.0.1:8081"
        with_project = settings_for(dict(AK_SK, region="cn-north-4", endpoint="http://127.0.0.1:8080", project_id="p"))
        assert with_project.project_id == "p"
        # the public endpoint of the region pairs with the region's IAM
        public = settings_for(dict(AK_SK, region="cn-north-4", endpoint="https://appstream.cn-north-4.myhuaweicloud.com"))
        assert public.iam_endpoint == "https://iam.cn-north-4.myhuaweicloud.com"

    def test_region_required_without_endpoint(self):
        with pytest.raises(errors.ConfigurationError) as info:
            settings_for(dict(AK_SK, project_id="p"))
        msg = str(info.value)
        assert "region" in msg and "HUAWEICLOUD_SDK_REGION" in msg and "HW_REGION_NAME" in msg
        assert "endpoint" in msg

    @pytest.mark.parametrize("option", ["endpoint", "iam_endpoint"])
    @pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://127.9.8.7", "http://[::1]:9000/",
                                     "http://localhost:1234", "HTTP://LOCALHOST:1"])
    def test_plain_http_allowed_for_loopback(self, option, url):
        settings = settings_for(dict(AK_SK, region="cn-north-4", project_id="p", **{option: url}))
        assert settings.values[option] == url.rstrip("/")

    @pytest.mark.parametrize("option", ["endpoint", "iam_endpoint"])
    @pytest.mark.parametrize("url", ["http://example.com", "http://10.0.0.1:8080", "http://127.0.0.1.example.com",
                                     "http://[::2]:80"])
    def test_plain_http_rejected_elsewhere(self, option, url):
        with pytest.raises(errors.ConfigurationError) as info:
            settings_for(dict(AK_SK, region="cn-north-4", project_id="p", **{option: url}))
        msg = str(info.value)
        assert msg.startswith(option + ":")
        assert "https://" in msg

    @pytest.mark.parametrize("option", ["endpoint", "iam_endpoint"])
    @pytest.mark.parametrize("url", ["appstream.cn-north-4.myhuaweicloud.com", "ftp://example.com", "https://",
                                     "https://example.com/?x=1", "https://example.com/#frag"])
    def test_malformed_endpoint_rejected(self, option, url):
        with pytest.raises(errors.ConfigurationError) as info:
            settings_for(dict(AK_SK, region="cn-north-4", project_id="p", **{option: url}))
        assert str(info.value).startswith(option + ":")

    def test_bad_endpoint_from_environment_is_rejected(self):
        with pytest.raises(errors.ConfigurationError, match="^endpoint:"):
            settings_for(dict(AK_SK, project_id="p"), {"HW_WORKSPACE_APP_ENDPOINT": "http://example.com"})

    @pytest.mark.parametrize("url", ["https://example.com:notaport", "https://example.com:99999",
                                     "http://localhost:port"])
    def test_endpoint_with_bad_port_rejected(self, url):
        with pytest.raises(errors.ConfigurationError, match="^endpoint:"):
            settings_for(dict(AK_SK, region="cn-north-4", project_id="p", endpoint=url))

    def test_endpoint_with_userinfo_rejected(self):
        with pytest.raises(errors.ConfigurationError, match="^endpoint:"):
            settings_for(dict(AK_SK, region="cn-north-4", project_id="p",
                              endpoint="https://user:hunter2@example.com"))

    @pytest.mark.parametrize("region", ["CN-NORTH-4", "cn_north_4", "cn-north", "north-4", "cn-north-4.evil.com",
                                        "cn-north-4/../x", " cn-north-4", "cn-north-4 "])
    def test_bad_region_rejected(self, region):
        with pytest.raises(errors.ConfigurationError) as info:
            settings_for(dict(AK_SK, region=region, project_id="p"))
        assert str(info.value).startswith("region:")
        assert repr(region) in str(info.value)

    def test_region_with_trailing_newline_rejected(self):
        with pytest.raises(errors.ConfigurationError):
            settings_for(dict(AK_SK, project_id="p"), {"HW_REGION_NAME": "cn-north-4\n"})

    def test_unreadable_credentials_file(self, tmp_path):
        with pytest.raises(errors.ConfigurationError) as info:
            settings_for({"region": "cn-north-4", "credentials_file": str(tmp_path)})  # a directory
        assert str(info.value).startswith("credentials_file: cannot read %s" % tmp_path)

    def test_missing_explicit_credentials_file(self, tmp_path):
        path = str(tmp_path / "nope")
        with pytest.raises(errors.ConfigurationError, match="credentials_file: cannot read"):
            settings_for({"region": "cn-north-4", "credentials_file": path})

    def test_malformed_credentials_file(self, tmp_path):
        path = tmp_path / "bad"
        path.write_text("ak = no section header\n")
        with pytest.raises(errors.ConfigurationError, match="credentials_file: cannot read"):
            settings_for({"region": "cn-north-4", "credentials_file": str(path)})

    def test_credentials_file_without_basic_section(self, tmp_path):
        path = tmp_path / "other"
        path.write_text("[profile]\nak = a\nsk = b\n")
        with pytest.raises(errors.ConfigurationError, match=r"has no \[basic\] section"):
            settings_for({"region": "cn-north-4", "credentials_file": str(path)})

    def test_malformed_default_credentials_file_in_home(self, isolated_home):
        (isolated_home / ".huaweicloud").mkdir()
        (isolated_home / ".huaweicloud" / "credentials").write_text("[basic\nak=1\n")
        with pytest.raises(errors.ConfigurationError, match="credentials_file"):
            settings_for({"region": "cn-north-4"})

    def test_credentials_file_values_are_read_verbatim(self, tmp_path):
        path = write_credentials(tmp_path / "pct", ak="AK", sk="abc%def", security_token="t%%x")
        settings = settings_for({"region": "cn-north-4", "credentials_file": path, "project_id": "p"})
        assert settings.secret_key == "abc%def"
        assert settings.security_token == "t%%x"

    def test_secrets_lists_secret_values_only(self):
        settings = settings_for(dict(AK_SK, region="cn-north-4", project_id="p", security_token=SECURITY_TOKEN,
                                     auth_token=TOKEN))
        assert sorted(settings.secrets) == sorted([SK, SECURITY_TOKEN, TOKEN])
        assert AK not in settings.secrets
        assert settings_for(dict(AK_SK, region="cn-north-4")).secrets == [SK]

    def test_secrets_from_environment_and_file_are_listed(self, tmp_path):
        path = write_credentials(tmp_path / "c", ak="A", sk="FILESECRET")
        settings = settings_for({"region": "cn-north-4", "credentials_file": path},
                                {"HW_SECURITY_TOKEN": "ENVTOKEN"})
        assert sorted(settings.secrets) == ["ENVTOKEN", "FILESECRET"]

    def test_transport_options_pass_through(self):
        settings = settings_for(dict(AK_SK, region="cn-north-4", validate_certs=False, request_timeout=2.5,
                                     max_retries=0))
        assert settings.validate_certs is False
        assert settings.request_timeout == 2.5
        assert settings.max_retries == 0

    def test_unknown_attribute_raises_attribute_error(self):
        settings = settings_for(dict(AK_SK, region="cn-north-4"))
        with pytest.raises(AttributeError):
            settings.no_such_option  # noqa: B018


def test_client_does_not_read_real_home(isolated_home):
    # guard for the fixtures: HOME points at an empty temporary directory
    assert os.path.expanduser("~") == str(isolated_home)
    assert not os.path.exists(os.path.expanduser(connection.DEFAULT_CREDENTIALS_FILE))


def test_table_views_keep_the_documented_names_and_order():
    assert connection.ENVIRONMENT == {
        "region": ("HUAWEICLOUD_SDK_REGION", "HW_REGION_NAME"),
        "project_id": ("HUAWEICLOUD_SDK_PROJECT_ID", "HW_PROJECT_ID"),
        "access_key": ("HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY"),
        "secret_key": ("HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY"),
        "security_token": ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN"),
        "auth_token": ("HW_AUTH_TOKEN",),
        "credentials_file": ("HUAWEICLOUD_SDK_CREDENTIALS_FILE",),
        "endpoint": ("HW_WORKSPACE_APP_ENDPOINT",),
        "iam_endpoint": ("HUAWEICLOUD_SDK_IAM_ENDPOINT",),
    }
    assert connection.SECRET_OPTIONS == ("secret_key", "security_token", "auth_token")
    assert connection.CREDENTIAL_OPTIONS == ("project_id", "access_key", "secret_key", "security_token", "auth_token")
    file_keys = dict((name, option.file_key) for name, option in connection.OPTIONS.items() if option.file_key)
    assert file_keys == {"project_id": "project_id", "access_key": "ak", "secret_key": "sk",
                         "security_token": "security_token"}


@pytest.mark.usefixtures("isolated_home")
def test_only_options_with_a_file_key_name_the_credentials_file():
    with pytest.raises(errors.ConfigurationError) as info:
        settings_for(dict(AK_SK, project_id="p"))
    assert "credentials file" not in str(info.value)  # region is never read from the file
    with pytest.raises(errors.ConfigurationError) as info:
        settings_for(dict(AK_SK, endpoint="https://e.example.com"))
    assert "credentials file ~/.huaweicloud/credentials" in str(info.value)


@pytest.mark.parametrize("option", ["access_key", "secret_key", "project_id", "security_token", "auth_token"])
@pytest.mark.usefixtures("isolated_home")
def test_control_characters_name_option_and_source_never_the_value(option):
    params = dict(AK_SK, region="cn-north-4", project_id="p")
    params.pop(option, None)
    variable = connection.ENVIRONMENT[option][0]
    with pytest.raises(errors.ConfigurationError) as info:
        settings_for(params, {variable: "abc\x07def"})
    assert str(info.value) == "%s (from environment %s) contains control characters" % (option, variable)

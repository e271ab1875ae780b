"""Authentication as the API gateway does it: SDK-HMAC-SHA256 AK/SK signatures and IAM tokens.

The canonical request is rebuilt from the raw request exactly as the official
SDK's signer (``huaweicloudsdkcore/signer/signer.py``) builds it:

* method, upper case;
* canonical URI: the raw path percent-decoded, split on ``/``, each segment
  re-encoded with ``quote(segment, safe="~")``, a trailing ``/`` added;
* canonical query: the decoded (key, value) pairs sorted, each side encoded
  with ``quote(..., safe="~")``, joined with ``&``;
* canonical headers: ``name:value.strip()`` per signed header (lower-case
  names, in SignedHeaders order), each followed by a newline;
* signed header names joined with ``;``;
* hex SHA-256 of the body (the empty-body hash when there is none), or the
  signed ``X-Sdk-Content-Sha256`` value when the client sent one.

String to sign: ``SDK-HMAC-SHA256\\n<X-Sdk-Date>\\n<hex sha256(canonical request)>``;
signature: hex HMAC-SHA256 keyed with the SK.
"""

import base64
import datetime
import hashlib
import hmac
import random
import re
from urllib.parse import quote, unquote

from . import errors
from .errors import ApiError

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_HASH = hashlib.sha256(b"").hexdigest()
MAX_CLOCK_SKEW = 15 * 60
DEFAULT_TOKEN_TTL = 24 * 3600

_AUTH_RE = re.compile(r"^\s*(?P<alg>[A-Za-z0-9-]+)\s+Access=(?P<ak>[^,\s]+)\s*,\s*SignedHeaders=(?P<headers>[^,\s]+)"
                      r"\s*,\s*Signature=(?P<sig>[0-9a-fA-F]+)\s*$")


def _encode(value):
    return quote(value, safe="~")


def canonical_uri(raw_path):
    """Decode the raw path, re-encode each segment, end with ``/`` (as the SDK signer)."""
    path = "/".join(_encode(segment) for segment in unquote(raw_path).split("/"))
    return path if path.endswith("/") else path + "/"


def canonical_query(pairs):
    """Sorted ``key=value`` pairs, both sides encoded, joined by ``&``."""
    return "&".join("%s=%s" % (_encode(key), _encode(value)) for key, value in sorted(pairs))


def payload_hash(body, content_hash=None):
    """Hex SHA-256 of the body; the client's ``X-Sdk-Content-Sha256`` wins when it signed one."""
    if not body:
        return EMPTY_BODY_HASH
    if content_hash:
        return content_hash
    return hashlib.sha256(body).hexdigest()


def header_text(value):
    """A header value as the client signed it.

    HTTP headers travel as ISO-8859-1; the SDK turns a UTF-8 string into those
    bytes before sending, so undo that to get the string it signed.
    """
    try:
        return value.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def canonical_request(method, raw_path, query_pairs, headers, signed_headers, body):
    """The canonical request string; ``headers`` maps lower-case names to values."""
    canonical_headers = "".join("%s:%s\n" % (name, headers[name].strip()) for name in signed_headers)
    content_hash = headers.get("x-sdk-content-sha256") if "x-sdk-content-sha256" in signed_headers else None
    return "\n".join([
        method.upper(),
        canonical_uri(raw_path),
        canonical_query(query_pairs),
        canonical_headers,
        ";".join(signed_headers),
        payload_hash(body, content_hash),
    ])


def string_to_sign(canonical, sdk_date):
    """``SDK-HMAC-SHA256``, the date and the hashed canonical request, one per line."""
    return "%s\n%s\n%s" % (ALGORITHM, sdk_date, hashlib.sha256(canonical.encode("utf-8")).hexdigest())


def signature(secret_key, text):
    """Hex HMAC-SHA256 of ``text`` keyed with the SK."""
    return hmac.new(secret_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def _fail(detail):
    return ApiError(401, errors.IAM_AUTH_FAILED, detail)


def make_credentials(seed, project_id, region):
    """Deterministic credentials for a seed: AK/SK, temporary AK/SK + token, IAM user, domain."""
    rng = random.Random("credentials-%s" % seed)
    upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    mixed = upper + "abcdefghijklmnopqrstuvwxyz"

    def pick(alphabet, size):
        return "".join(rng.choice(alphabet) for _unused in range(size))

    return {
        "ak": "SIM" + pick(upper, 17),
        "sk": pick(mixed, 40),
        "project_id": project_id,
        "region": region,
        "domain_id": rng.getrandbits(128).to_bytes(16, "big").hex(),
        "domain_name": "sim-domain",
        "user_name": "sim-user",
        "password": "Sim-Passw0rd-" + pick(mixed, 8),
        "temp_ak": "SIMT" + pick(upper, 16),
        "temp_sk": pick(mixed, 40),
        "security_token": "gQ5jbi1ub3J0aC00" + base64.urlsafe_b64encode(rng.randbytes(240)).decode("ascii"),
    }


class Authenticator:
    """Verifies AK/SK signatures and IAM tokens against the simulated account.

    ``clock`` is the fleet's :class:`~simulator.clock.Clock`; token
    expiry follows it, the ``X-Sdk-Date`` window follows real UTC time (the
    client signs with its own clock).
    """

    def __init__(self, credentials, clock, token_ttl=DEFAULT_TOKEN_TTL):
        self.credentials = credentials
        self.clock = clock
        self.token_ttl = token_ttl
        self._tokens = {}
        self._token_rng = random.Random()

    # ------------------------------------------------------------------ tokens

    def issue_token(self, ttl=None):
        """A new IAM token valid for ``ttl`` seconds (default ``token_ttl``); returns (token, expires_at ISO)."""
        ttl = self.token_ttl if ttl is None else float(ttl)
        token = "MIIT" + base64.b64encode(self._token_rng.randbytes(300)).decode("ascii").replace("/", "-")
        expires = self.clock.monotonic() + ttl
        self._tokens[token] = expires
        return token, self.clock.iso(expires)

    def check_password(self, user_name, password, domain):
        """True when the IAM user, password and domain (name or id) are the account's."""
        creds = self.credentials
        return (hmac.compare_digest(str(user_name), creds["user_name"])
                and hmac.compare_digest(str(password), creds["password"])
                and domain in (creds["domain_name"], creds["domain_id"]))

    # ------------------------------------------------------------------ requests

    def authenticate(self, method, raw_path, query_pairs, headers, body):
        """Return ``"aksk"`` or ``"token"``, or raise ApiError 401.

        ``headers`` is the request's (case-insensitive) header mapping.
        """
        authorization = headers.get("Authorization")
        if authorization:
            self._verify_signature(method, raw_path, query_pairs, headers, body, authorization)
            kind = "aksk"
        elif headers.get("X-Auth-Token"):
            self._verify_token(headers.get("X-Auth-Token"))
            kind = "token"
        else:
            raise _fail("the request carries neither an Authorization signature nor an X-Auth-Token.")
        project = headers.get("X-Project-Id")
        if project is not None and project != self.credentials["project_id"]:
            raise _fail("the project in X-Project-Id does not belong to this account.")
        return kind

    def principal(self, headers):
        """Whose request it is, for a per-credential limit: ``ak:<AK>`` of a signature, ``user:<name>`` of a
        token (every token the simulator issues is its IAM user's)."""
        match = _AUTH_RE.match(headers.get("Authorization") or "")
        if match:
            return "ak:" + match.group("ak")
        return "user:" + self.credentials["user_name"]

    def _verify_token(self, token):
        expires = self._tokens.get(token.strip())
        if expires is None:
            raise _fail("decrypt token fail.")
        if self.clock.monotonic() >= expires:
            raise ApiError(401, errors.TOKEN_EXPIRED)

    def _verify_signature(self, method, raw_path, query_pairs, headers, body, authorization):
        match = _AUTH_RE.match(authorization)
        if not match:
            raise _fail("the Authorization header is malformed.")
        if match.group("alg") != ALGORITHM:
            raise _fail("signing algorithm %s is not supported." % match.group("alg")[:32])
        access_key = match.group("ak")
        creds = self.credentials
        if access_key == creds["ak"]:
            secret_key = creds["sk"]
        elif access_key == creds["temp_ak"]:
            secret_key = creds["temp_sk"]
            token = headers.get("X-Security-Token")
            if not token:
                raise _fail("a temporary access key needs the X-Security-Token header.")
            if not hmac.compare_digest(token.strip(), creds["security_token"]):
                raise _fail("the security token is invalid.")
        else:
            raise _fail("ak %s not exist." % access_key[:32])

        signed = match.group("headers").lower().split(";")
        if "x-sdk-date" not in signed:
            raise _fail("X-Sdk-Date must be a signed header.")
        values = {}
        for name in signed:
            value = headers.get(name)
            if value is None:
                raise _fail("signed header %s is missing." % name[:40])
            values[name] = header_text(value)
        sdk_date = values["x-sdk-date"].strip()
        try:
            signed_at = datetime.datetime.strptime(sdk_date, DATE_FORMAT).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise _fail("X-Sdk-Date is not in the format YYYYMMDDTHHMMSSZ.") from None
        skew = abs((datetime.datetime.now(datetime.timezone.utc) - signed_at).total_seconds())
        if skew > MAX_CLOCK_SKEW:
            raise _fail("the request has expired: X-Sdk-Date is more than 15 minutes from the server time.")

        canonical = canonical_request(method, raw_path, query_pairs, values, signed, body)
        expected = signature(secret_key, string_to_sign(canonical, sdk_date))
        if not hmac.compare_digest(expected, match.group("sig").lower()):
            raise _fail("verify aksk signature fail.")

"""Error codes and the exception that carries them to the HTTP layer.

Codes that the published API pages show are used as documented; every other
code is a guess, listed in README.md under "Guessed API facts".
"""

# Documented (api doc "Constraints and error bodies").
INVALID_PARAMETER = ("WKS.00211102", "The parameter is invalid.")
INVALID_MESSAGE = ("WKS.00129901", "The request message is invalid.")
SERVICE_UNAVAILABLE = ("WKS.00129901", "The service is now unavailable to process the request.")
FORBIDDEN = ("WKS.00081102", "User does not have permission to access this resource.")
OPERATION_FAILED = ("WKS.00211401", "The requested operation failed. Please try again later.")
METHOD_NOT_ALLOWED = ("WKS.00000405", "The request method is not allowed.")
API_NOT_FOUND = ("APIGW.0101", "The API does not exist or has not been published in the environment")
IAM_AUTH_FAILED = ("APIGW.0301", "Incorrect IAM authentication information")
THROTTLED = ("APIGW.0308", "The throttling threshold has been reached")

# Guessed (see README.md).
INTERNAL_ERROR = ("WKS.00000500", "Internal server error.")
TOKEN_EXPIRED = ("APIGW.0307", "The token must be updated.")
SERVER_NOT_FOUND = ("WKS.00211201", "The server does not exist.")
GROUP_NOT_FOUND = ("WKS.00211202", "The server group does not exist.")
JOB_NOT_FOUND = ("WKS.00211203", "The job does not exist.")
SERVER_BUSY = ("WKS.00211204", "The server has a task in progress. Try again later.")
SAME_IMAGE = ("WKS.00211205", "The new image must be different from the current image of the server.")
SERVER_STATE_CONFLICT = ("WKS.00211206", "The server status does not support this operation.")
SERVER_QUOTA_EXCEEDED = ("WKS.00211207", "The server quota of the tenant is insufficient.")
GROUP_NAME_EXISTS = ("WKS.00211208", "The server group name already exists.")
GROUP_NOT_EMPTY = ("WKS.00211209", "The server group still has servers.")
IMAGE_NOT_FOUND = ("WKS.00211210", "The image does not exist.")
IMAGE_SERVER_NOT_FOUND = ("WKS.00211211", "The image server does not exist.")
APP_GROUP_NOT_FOUND = ("WKS.00211301", "The app group does not exist.")
APP_NOT_FOUND = ("WKS.00211302", "The application does not exist.")
SCHEDULE_TASK_NOT_FOUND = ("WKS.00211401", "The schedule task does not exist.")  # code simulated, not confirmed
IAM_BAD_PASSWORD = ("IAM.0004", "The username or password is wrong.")
SIM_BAD_REQUEST = ("SIM.0400", "Bad simulator control request.")
SIM_NOT_FOUND = ("SIM.0404", "No such simulator object.")
LOGON_REFUSED = ("SIM.0409", "The server does not accept new sessions.")

MAX_MSG = 255


class ApiError(Exception):
    """An error answer: HTTP status plus the service's ``error_code``/``error_msg`` body.

    ``detail`` is appended to the catalogue message (``"<msg> <detail>"``) and
    the whole message is cut to the 255 characters the API allows.
    """

    def __init__(self, status, error, detail=None, headers=None, extra_body=None):
        code, msg = error
        if detail:
            msg = "%s %s" % (msg, detail) if msg.endswith(".") else "%s: %s" % (msg, detail)
        self.status = status
        self.error_code = code
        self.error_msg = msg[:MAX_MSG]
        self.headers = dict(headers or {})
        self.extra_body = dict(extra_body or {})
        super().__init__("%s %s %s" % (status, code, self.error_msg))

    def body(self):
        """The JSON body the service sends for this error."""
        body = {"error_code": self.error_code, "error_msg": self.error_msg}
        body.update(self.extra_body)
        return body


def invalid(detail=None):
    """400 WKS.00211102 with an optional short detail (which field, why)."""
    return ApiError(400, INVALID_PARAMETER, detail)

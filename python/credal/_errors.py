"""credal's failures as Python exceptions: each carries credal's message, its status name and
the exit status the CLI would give (sysexits)."""


class Error(Exception):
    """A credal failure: .status (credal's name, e.g. "EDATA"), .exit_status (sysexits)."""

    def __init__(self, message, status="EINTERNAL", exit_status=70):
        super().__init__(message)
        self.status, self.exit_status = status, exit_status


class UsageError(Error, ValueError):
    """Invalid arguments or options (exit 64)."""


class DataError(Error, ValueError):
    """Invalid input data, or a feature this build does not support (exit 65)."""


class NoInputError(Error, FileNotFoundError):
    """The input cannot be opened (exit 66)."""


class DeviceError(Error):
    """The requested backend or device is unavailable (exit 69)."""


class OutputError(Error, OSError):
    """The output cannot be created, or exists without force=True (exit 73)."""


class IOFailure(Error, OSError):
    """An input/output error (exit 74)."""


class Interrupted(Error, KeyboardInterrupt):
    """The run was interrupted; OUTPUT.partial is kept for resume=True (exit 75)."""


# the order of include/credal.h's CREDAL_STATUS_MAP
_NAMES = ["OK", "EUSAGE", "EDATA", "EUNSUPPORTED", "ENOINPUT", "ENODEVICE", "EINTERNAL", "ENOMEM",
          "ECANTCREATE", "EEXIST", "EIO", "EINTERRUPTED"]
_CLASSES = {"EUSAGE": UsageError, "EDATA": DataError, "EUNSUPPORTED": DataError,
            "ENOINPUT": NoInputError, "ENODEVICE": DeviceError, "ECANTCREATE": OutputError,
            "EEXIST": OutputError, "EIO": IOFailure, "EINTERRUPTED": Interrupted}


def from_status(status, message, exit_status):
    name = _NAMES[status] if 0 <= status < len(_NAMES) else f"status {status}"
    return _CLASSES.get(name, Error)(message, name, exit_status)

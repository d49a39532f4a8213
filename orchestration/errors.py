"""Expected failures: the CLI prints their message on one line and exits non-zero, without a traceback."""


class CrmError(Exception):
    """An expected, explainable failure (missing folder, locked warehouse, failed check, …)."""


class WarehouseLocked(CrmError):
    """Another process holds the build warehouse open for writing."""


class QualityGateFailed(CrmError):
    """A blocking data-quality check failed: the build must not be published."""


class SourceUnreachable(CrmError):
    """A live source (an IMAP server) could not be reached: worth retrying later."""


class StorageFailed(CrmError):
    """The warehouse, or a file written next to it, could not be written: the disk is full, a file size limit was
    reached, permission was denied (common/storage_errors.py names the cause)."""

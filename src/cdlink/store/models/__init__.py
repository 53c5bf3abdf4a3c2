"""The SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from cdlink.store.models.access import ApiToken, LoginAttempt, UserSession
from cdlink.store.models.activity import ActivityEntry
from cdlink.store.models.connections import Connection
from cdlink.store.models.runs import SyncRun
from cdlink.store.models.users import User

__all__ = [
    "ActivityEntry",
    "ApiToken",
    "Connection",
    "LoginAttempt",
    "SyncRun",
    "User",
    "UserSession",
]

"""The typed async Zendesk Talk client: ``TalkClient``, its configuration, and its errors."""

from .base import USER_AGENT, RateBudget
from .config import ZendeskConfig, check_subdomain
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BudgetSpentError,
    ConfigurationError,
    InvalidRecordError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
    ZendeskError,
)
from .pagination import AsyncPaginator
from .retries import RetryPolicy
from .talk import TalkClient

__all__ = [
    "USER_AGENT",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "BudgetSpentError",
    "ConfigurationError",
    "InvalidRecordError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateBudget",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "TalkClient",
    "UnexpectedResponseError",
    "ZendeskConfig",
    "ZendeskError",
    "check_subdomain",
]

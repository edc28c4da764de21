"""The purchase guard: signed quotes, the spend policy, human confirmation, and the audit log."""

from . import quotes
from .audit import AuditLog
from .codes import ConfirmationCodes
from .policy import PolicyRefusal, SpendPolicy
from .purchase import (
    CONFIRMATION_MODES,
    ConfirmationMode,
    GuardMemory,
    GuardRefusal,
    PurchaseGuard,
    PurchaseOutcome,
    PurchasePlan,
)
from .quotes import Quote, QuoteError, QuoteSigner

__all__ = [
    "CONFIRMATION_MODES",
    "AuditLog",
    "ConfirmationCodes",
    "ConfirmationMode",
    "GuardMemory",
    "GuardRefusal",
    "PolicyRefusal",
    "PurchaseGuard",
    "PurchaseOutcome",
    "PurchasePlan",
    "Quote",
    "QuoteError",
    "QuoteSigner",
    "SpendPolicy",
    "quotes",
]

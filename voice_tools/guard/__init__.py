"""The purchase guard: quotes, the spend policy, human confirmation, the ledger and the audit trail."""

from .addresses import AddressCache
from .audit import AuditTrail
from .batch import MAX_BATCH, BatchPlan, BatchPurchaser
from .codes import CodeChannel, CodeSubject, ConfirmationCodes
from .inflight import InFlight
from .ledger import Ledger, LedgerUnavailable, LedgerURLError, open_ledger
from .plans import PurchaseOutcome, PurchasePlan, Reconciliation
from .policy import PolicyRefusal, SpendPolicy
from .purchase import PurchaseGuard
from .quotes import Quote, QuoteBook, QuoteError
from .refusal import GuardRefusal
from .release import ReleaseGuard, ReleaseOutcome, ReleasePlan
from .text import as_data, one_line

__all__ = [
    "MAX_BATCH",
    "AddressCache",
    "AuditTrail",
    "BatchPlan",
    "BatchPurchaser",
    "CodeChannel",
    "CodeSubject",
    "ConfirmationCodes",
    "GuardRefusal",
    "InFlight",
    "Ledger",
    "LedgerURLError",
    "LedgerUnavailable",
    "PolicyRefusal",
    "PurchaseGuard",
    "PurchaseOutcome",
    "PurchasePlan",
    "Quote",
    "QuoteBook",
    "QuoteError",
    "Reconciliation",
    "ReleaseGuard",
    "ReleaseOutcome",
    "ReleasePlan",
    "SpendPolicy",
    "as_data",
    "one_line",
    "open_ledger",
]

"""Typed models of everything the Zendesk Talk phone-numbers API returns and takes (pydantic v2)."""

from .addresses import Address, AddressCreate
from .available import AddressRequirement, AvailableNumber
from .base import ZendeskRequest, ZendeskResponse
from .money import Money, PriceError, parse_price, read_price
from .pages import AddressPage, AvailableNumberList, MinimalPhoneNumberPage, OffsetPage, PhoneNumberPage
from .phone_numbers import (
    INCLUDES,
    Capabilities,
    Include,
    LineType,
    MinimalPhoneNumber,
    NamedRecord,
    PhoneNumber,
    PhoneNumberDetails,
    PhoneNumberUpdate,
    as_records,
)
from .settings import (
    AutoAcceptTime,
    DeleteAfter,
    ForwardingCallerId,
    OverflowNumber,
    OverflowNumberUpdate,
    PhoneNumberSettings,
    SettingsUpdate,
)

__all__ = [
    "INCLUDES",
    "Address",
    "AddressCreate",
    "AddressPage",
    "AddressRequirement",
    "AutoAcceptTime",
    "AvailableNumber",
    "AvailableNumberList",
    "Capabilities",
    "DeleteAfter",
    "ForwardingCallerId",
    "Include",
    "LineType",
    "MinimalPhoneNumber",
    "MinimalPhoneNumberPage",
    "Money",
    "NamedRecord",
    "OffsetPage",
    "OverflowNumber",
    "OverflowNumberUpdate",
    "PhoneNumber",
    "PhoneNumberDetails",
    "PhoneNumberPage",
    "PhoneNumberSettings",
    "PhoneNumberUpdate",
    "PriceError",
    "SettingsUpdate",
    "ZendeskRequest",
    "ZendeskResponse",
    "as_records",
    "parse_price",
    "read_price",
]

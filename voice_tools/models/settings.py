"""A phone number's ``settings`` child object (every field of Zendesk's PhoneNumberSettingsObject).

A request holds the documented fields with the documented types and enums (the OpenAPI document's
PhoneNumberSettingsObject), and nothing stricter: no document bounds a number, shapes a locale or an
overflow number, so any value of the right type is sent and Zendesk's answer decides.
"""

from __future__ import annotations

from typing import Literal

from .base import ZendeskRequest, ZendeskResponse

DeleteAfter = Literal[
    "never",
    "1.days",
    "1.weeks",
    "2.weeks",
    "1.months",
    "2.months",
    "3.months",
    "6.months",
    "1.years",
    "2.years",
]
ForwardingCallerId = Literal["caller_number", "talk_number", "talk_number_for_anonymous"]
AutoAcceptTime = Literal[0, 5, 10]


class OverflowNumber(ZendeskResponse):
    """Where calls go when no agent and no voicemail can take them."""

    enabled: bool | None = None
    number: str | None = None


class OverflowNumberUpdate(ZendeskRequest):
    """The documented overflow object: any string as number (the example is E.164; no document requires it)."""

    enabled: bool | None = None
    number: str | None = None


class PhoneNumberSettings(ZendeskResponse):
    """Settings as Zendesk returns them (``include=settings``)."""

    all_groups_access_enabled: bool | None = None
    allow_outbound_calls: bool | None = None
    auto_accept_enabled: bool | None = None
    auto_accept_time: AutoAcceptTime | int | None = None
    average_wait_time_message_enabled: bool | None = None
    call_offering_duration: int | None = None
    call_recording_delete_after: DeleteAfter | str | None = None
    callback_from_queue: bool | None = None
    callback_locale: str | None = None
    create_ticket_for_abandoned_calls: bool | None = None
    dequeue_retry_if_attempted: bool | None = None
    forwarding_caller_id: ForwardingCallerId | str | None = None
    maximum_queue_size: int | None = None
    maximum_queue_wait_time: int | None = None
    outbound_calls_group_ids: list[int] | None = None
    overflow_number: OverflowNumber | None = None
    priority: int | None = None
    voicemail: bool | None = None
    voicemail_outside_business_hours: bool | None = None
    voicemail_recording_delete_after: DeleteAfter | str | None = None
    wrap_up_enabled: bool | None = None
    wrap_up_time_limit: int | None = None


class SettingsUpdate(ZendeskRequest):
    """Changes to a number's settings: documented fields and values only; unset fields stay as they are."""

    nullable_fields = frozenset({"wrap_up_time_limit"})

    all_groups_access_enabled: bool | None = None
    """every group may call out from it (outbound_calls_group_ids is then not enforced)"""
    allow_outbound_calls: bool | None = None
    """outbound calls are allowed"""
    auto_accept_enabled: bool | None = None
    """offered calls are accepted automatically after auto_accept_time"""
    auto_accept_time: AutoAcceptTime | None = None
    """seconds before an offered call is accepted automatically (0, 5 or 10)"""
    average_wait_time_message_enabled: bool | None = None
    """callers hear the average wait time"""
    call_offering_duration: int | None = None
    """seconds a call is offered to an agent"""
    call_recording_delete_after: DeleteAfter | None = None
    """how long call recordings are kept"""
    callback_from_queue: bool | None = None
    """callers may ask for a callback instead of waiting"""
    callback_locale: str | None = None  # "ISO 639-1 language code"; real accounts take es-419 too
    """language of the callback confirmation (ISO 639-1, e.g. en)"""
    create_ticket_for_abandoned_calls: bool | None = None
    """an abandoned call creates a ticket"""
    dequeue_retry_if_attempted: bool | None = None
    """a call leaves the queue after a retry attempt"""
    forwarding_caller_id: ForwardingCallerId | None = None
    """the caller id shown on calls forwarded by an IVR or the overflow"""
    maximum_queue_size: int | None = None
    """calls that may wait before the rest go to voicemail"""
    maximum_queue_wait_time: int | None = None
    """minutes a call may wait in the queue"""
    outbound_calls_group_ids: list[int] | None = None
    """groups that may call out from it, when all_groups_access_enabled is false"""
    overflow_number: OverflowNumberUpdate | None = None
    """where calls go when no agent or voicemail can take them: {enabled, number}"""
    priority: int | None = None
    """its priority in the queue"""
    voicemail: bool | None = None
    """callers may leave a voicemail"""
    voicemail_outside_business_hours: bool | None = None
    """callers may leave a voicemail outside business hours"""
    voicemail_recording_delete_after: DeleteAfter | None = None
    """how long voicemail recordings are kept"""
    wrap_up_enabled: bool | None = None
    """agents have time after each call to finish the ticket"""
    wrap_up_time_limit: int | None = None
    """seconds of wrap-up time; null for no limit"""

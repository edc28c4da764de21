"""What every real account shows the same way, copied from public captures (registry: greeting-categories,
system-greetings): the greeting categories, Zendesk's system greetings, and a number's default greetings.

Source: Airbyte's Zendesk Talk connector's recorded records (airbytehq/airbyte@71b99465289679d95ff58ce7c7302bad79f7eccf,
airbyte-integrations/connectors/source-zendesk-talk/integration_tests/expected_records.jsonl), replayed against
the sandbox value by value in ``tests/sandbox/test_recorded.py``.
"""

from __future__ import annotations

from typing import Any

# A number's system greetings by category, as a real account's numbers show them (registry: system-greetings,
# captured by Airbyte's connector): greeting ids keep hyphens where the categories' names use underscores.
CATEGORISED_GREETINGS = {
    "1": "voicemail_en",
    "2": "available_en",
    "3": "wait_en",
    "4": "hold_en",
    "6": "callback_en",
    "7": "callback-confirmation_en",
    "8": "call-recording-opt-out_en",
    "9": "call-recording-opt-in_en",
}
DEFAULT_GREETING_IDS = list(CATEGORISED_GREETINGS.values())

# Captured from a real account (registry: greeting-categories)
GREETING_CATEGORIES: list[dict[str, Any]] = [
    {"id": 1, "name": "voicemail"},
    {"id": 2, "name": "available"},
    {"id": 3, "name": "wait"},
    {"id": 4, "name": "hold"},
    {"id": 5, "name": "ivr"},
    {"id": 6, "name": "callback"},
    {"id": 7, "name": "callback_confirmation"},
    {"id": 8, "name": "call_recording_opt_out"},
    {"id": 9, "name": "call_recording_opt_in"},
]

# Zendesk's system greetings, as GET /greetings lists them on a real account (registry: system-greetings):
# (id, name, category, default_lang, has audio, has_sub_settings)
_SYSTEM = (
    ("voicemail_en", "Default (voicemail on)", 1, True, True, True),
    ("voicemail_jp", "Default (Japanese)", 1, False, True, True),
    ("voicemail_none", "None", 1, False, False, True),
    ("available_en", "Default", 2, True, True, True),
    ("available_jp", "Default (Japanese)", 2, False, True, True),
    ("available_none", "None", 2, False, False, True),
    ("wait_en", "Default", 3, True, True, False),
    ("hold_en", "Default", 4, True, True, False),
    ("ivr_none", "None", 5, False, False, False),
    ("available_en_call_monitoring", "Default (call monitoring)", 2, True, True, True),
    ("available_jp_call_monitoring", "Default (Japanese call monitoring)", 2, False, True, True),
    ("callback_en", "Default", 6, True, True, False),
    ("callback-confirmation_en", "Default", 7, True, True, False),
    ("callback_none", "None", 6, False, False, False),
    ("callback-confirmation_none", "None", 7, False, False, False),
    ("available_en_voicemail_config", "Default (voicemail off)", 2, True, True, True),
    ("available_jp_voicemail_config", "Default (Japanese voicemail off)", 2, False, True, True),
    ("voicemail_en_voicemail_config", "Default (voicemail off)", 1, True, True, True),
    ("call-recording-opt-out_en", "Opt-out consent greeting (default)", 8, True, True, False),
    ("call-recording-opt-in_en", "Opt-in consent greeting (default)", 9, True, True, False),
    ("available_en_digital_lines", "Default (digital line)", 2, True, True, True),
)
SYSTEM_GREETINGS: list[dict[str, Any]] = [
    {
        "id": gid,
        "name": name,
        "category_id": category,
        "default": True,
        "default_lang": default_lang,
        "active": False,
        "pending": False,
        "audio_url": f"https://static.zdassets.com/voice/assets/default_{gid}_greeting.mp3" if audio else None,
        "audio_name": f"{gid}.mp3",
        "upload_id": None,
        "phone_number_ids": [],
        "ivr_ids": [],
        "has_sub_settings": sub_settings,
    }
    for gid, name, category, default_lang, audio, sub_settings in _SYSTEM
]

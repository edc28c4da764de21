"""voice-tools: manage Zendesk Talk phone numbers from an AI assistant, safely."""

__version__ = "0.1.0"

"""The two kinds of model, and the read-only marker.

Responses and requests are held to different standards on purpose:

- ``ZendeskResponse`` models keep every field Zendesk sends, known or not (``extra="allow"``), and
  accept enum values the documents do not list yet: Zendesk adds both, and the client must neither
  break nor lose data when it does. Dumping with ``exclude_unset=True`` gives back what was received.
- ``ZendeskRequest`` models accept only the documented, writable fields (``extra="forbid"``), the
  documented types and the documented enum values, and nothing stricter: a read-only field or a value
  the documents do not allow cannot be built into a request, and every value they do allow can (a limit
  no document states is Zendesk's to apply, never the client's).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

READ_ONLY: dict[str, Any] = {"readOnly": True}


def read_only(description: str, default: Any = None) -> Any:
    """A field Zendesk sets and never accepts in a write (``readOnly`` in its OpenAPI document)."""
    return Field(default, description=description, json_schema_extra=READ_ONLY)


class ZendeskResponse(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    @classmethod
    def read_only_fields(cls) -> frozenset[str]:
        return frozenset(
            name
            for name, info in cls.model_fields.items()
            if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("readOnly")
        )

    def unknown_fields(self) -> dict[str, Any]:
        """Fields Zendesk sent that this version of the client does not model (kept, not dropped)."""
        return dict(self.model_extra or {})


class ZendeskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)  # a field's docstring: its meaning

    # Fields Zendesk documents as nullable; an explicit null anywhere else is refused here, not by Zendesk.
    nullable_fields: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_where_zendesk_takes_none(self) -> ZendeskRequest:
        bad = sorted(f for f in self.model_fields_set if getattr(self, f) is None and f not in self.nullable_fields)
        if bad:
            raise ValueError(f"{', '.join(bad)} cannot be null; leave the field out to keep its current value")
        return self

    def payload(self) -> dict[str, Any]:
        """Only the fields that were set: Zendesk's updates are partial, so unset means unchanged."""
        return self.model_dump(mode="json", exclude_unset=True)

"""Buying a number: the token a search offered, the address its regulator requires, business verification."""

from __future__ import annotations

import copy
from typing import Any

from .. import inventory
from ..catalog import COUNTRIES
from ..exceptions import RecordInvalid
from .rules import detail
from .state import AccountState

WHERE = {"local": "in {country}", "foreign": "outside {country}", "any": "anywhere"}


class Purchases(AccountState):
    def create_number(self, body: dict[str, Any]) -> dict[str, Any]:
        """Provision the offer behind the token (answers 200, as documented). Every refusal's details are
        inferred (registry: create-refusal-details): with that inference off, each is a bare 422."""
        try:
            offer = self._offer_for(body.get("phone_number"))
            plan = COUNTRIES[offer.country_code]
            if (
                plan.local_needs_business_verification
                and not offer.toll_free
                and self.on("jp-local-business-verification")
            ):
                raise RecordInvalid(
                    {
                        "phone_number": detail(
                            "BusinessVerificationRequired",
                            "This number needs a verified business, and this endpoint does not support creating "
                            "such numbers; add it in Admin Center once the business is verified",
                        )
                    }
                )
            self._check_address(offer, body.get("address_sid"))
        except RecordInvalid:
            if self.on("create-refusal-details"):
                raise
            raise RecordInvalid({}) from None
        record = self._provision(
            plan.code, offer.number_range, offer.national, offer.toll_free, self.now(), bought=True
        )
        self.used_tokens.add(offer.token)
        return {"phone_number": copy.deepcopy(record)}

    def _offer_for(self, attrs: Any) -> inventory.Offer:
        """The offer a token names (registry: create-token-checks: only an offered number can be bought)."""
        token = attrs.get("token") if isinstance(attrs, dict) else None
        if not isinstance(token, str) or not token:
            raise RecordInvalid({"token": detail("blank", "Token can't be blank")})
        if token in self.used_tokens:
            raise RecordInvalid({"number": detail("taken", "Number has already been provisioned")})
        offer = self.offers.get(token)
        if offer is None:
            raise RecordInvalid({"token": detail("invalid", "Token is invalid; search for available numbers first")})
        if offer.number in {n["number"] for n in self.numbers.values()}:
            raise RecordInvalid({"number": detail("taken", "Number has already been provisioned")})
        return offer

    def _check_address(self, offer: inventory.Offer, address_sid: Any) -> None:
        """An address is needed where address_requirements is not none (documented); what each value means
        (registry: address-requirement-meaning) and the checks of address_sid are inferred."""
        need = offer.address_requirements
        if need == "none":
            return
        where = WHERE[need].format(country=offer.country_code)
        if not address_sid:
            text = f"This number requires an address {where}; pass an address's provider_reference as address_sid"
            raise RecordInvalid({"address_sid": detail("AddressRequired", text)})
        address = next((a for a in self.addresses.values() if a["provider_reference"] == address_sid), None)
        if address is None:
            if self.on("create-unknown-address-sid"):
                raise RecordInvalid(
                    {"address_sid": detail("InvalidAddress", "No address with this provider_reference")}
                )
            return
        fits = {
            "local": address["country_code"] == offer.country_code,
            "foreign": address["country_code"] != offer.country_code,
            "any": True,
        }[need]
        if not fits and self.on("address-requirement-meaning"):
            text = f"This number requires an address {where}; the address given is in {address['country_code']}"
            raise RecordInvalid({"address_sid": detail("AddressMismatch", text)})

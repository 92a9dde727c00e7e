"""Imports of the partners domain through the all-or-nothing import pipeline (DESIGN §9).

NPS survey answers (DESIGN §2.4), CSV or XLSX, header row first:

    partner_tax_id  the partner's tax ID (must exist)
    quarter         the survey quarter, e.g. 2026Q3
    score           the customer's answer, a whole number 0–10
    respondent      optional: who answered
    comment         optional: what they said

Partners and their first administrator (DESIGN §2.2), one row per company: see
`PartnerImporter` and docs/imports.md. The invitation e-mails leave only once the file committed.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import CHANNEL_ROLES, Role
from accounts.models import User
from core.audit import audit_record
from core.imports import (
    MAX_REPORTED_ERRORS,
    Column,
    Importer,
    RowError,
    parse_currency,
    parse_int,
    parse_text,
    register,
)
from core.periods import Quarter
from core.transitions import transition_record

from .choices import NpsSource, PartnerType, TierCode
from .models import NpsResponse, Partner, Tier
from .regions import REGION_CODES
from .rules import is_valid_credit_code
from .services.partner import partner_user_invite


def _parse_quarter(value: str) -> str:
    try:
        return str(Quarter.parse(value))
    except ValueError as exc:
        raise ValueError(_("“%(value)s” is not a quarter like 2026Q3.") % {"value": value}) from exc


@register
class NpsResponseImporter(Importer):
    """One row per customer answer; a file with any bad row imports nothing."""

    kind = "nps_responses"
    label = gettext_lazy("NPS survey answers")
    description = gettext_lazy(
        "Columns: partner_tax_id, quarter (e.g. 2026Q3), score (0 to 10), and optionally "
        "respondent and comment."
    )
    roles = frozenset(CHANNEL_ROLES)
    columns = [
        Column("partner_tax_id", parse_text),
        Column("quarter", _parse_quarter),
        Column("score", parse_int),
        Column("respondent", parse_text, required=False),
        Column("comment", parse_text, required=False),
    ]

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        partner_id = (
            Partner.objects.filter(tax_id=row["partner_tax_id"])
            .values_list("pk", flat=True)
            .first()
        )
        if partner_id is None:
            raise RowError("partner_tax_id", _("No partner has this tax ID."))
        if not 0 <= row["score"] <= 10:
            raise RowError("score", _("A score is between 0 and 10."))
        if len(row["respondent"] or "") > 200:
            raise RowError("respondent", _("At most 200 characters."))
        return row | {"partner_id": partner_id}

    def save(self, rows: list[dict[str, Any]], batch) -> int:
        created = NpsResponse.objects.bulk_create(
            [
                NpsResponse(
                    partner_id=row["partner_id"],
                    quarter=row["quarter"],
                    score=row["score"],
                    respondent=row["respondent"] or "",
                    comment=row["comment"] or "",
                    source=NpsSource.IMPORT,
                    import_batch=batch,
                    recorded_by=batch.uploaded_by,
                )
                for row in rows
            ],
            batch_size=1000,
        )
        audit_record(
            actor=batch.uploaded_by,
            action="nps.imported",
            obj=batch,
            changes={"rows": len(created)},
        )
        return len(created)


# --- partners and their first administrator ---------------------------------------------------

# Items of a list cell (regions, specializations): commas, semicolons, bars, spaces, or the
# Chinese enumeration comma and full-width punctuation a spreadsheet in Chinese holds.
_LIST_SEPARATORS = re.compile(r"[\s,;|、，；]+")
MAX_SPECIALIZATIONS = 20
# Each row creates a company, a user, audit rows, a notification and its e-mail: a file stays far
# inside the import task's time limit even on a loaded machine (about 80 ms a row measured).
PARTNER_IMPORT_MAX_ROWS = 5_000


def _limited(limit: int) -> Any:
    def parse(value: str) -> str:
        text = value.strip()
        if len(text) > limit:
            raise ValueError(_("At most %(n)s characters.") % {"n": limit})
        return text

    return parse


def _parse_tax_id(value: str) -> str:
    text = value.strip().upper()
    if len(text) > 40:
        raise ValueError(_("At most %(n)s characters.") % {"n": 40})
    return text


def _parse_country(value: str) -> str:
    text = value.strip().upper()
    if len(text) != 2 or not text.isascii() or not text.isalpha():
        raise ValueError(_("Enter a two-letter country code."))
    return text


def _parse_partner_type(value: str) -> str:
    text = value.strip().lower()
    if text not in PartnerType.values:
        raise ValueError(
            _("“%(value)s” is not a partner type (%(choices)s).")
            % {"value": value.strip()[:40], "choices": ", ".join(PartnerType.values)}
        )
    return text


def _parse_regions(value: str) -> list[str]:
    codes = [code.upper() for code in _LIST_SEPARATORS.split(value.strip()) if code]
    unknown = [code for code in codes if code not in REGION_CODES]
    if unknown:
        raise ValueError(
            _("Unknown region code(s): %(codes)s.") % {"codes": ", ".join(unknown[:5])[:120]}
        )
    return sorted(set(codes))


def _parse_tier(value: str) -> str:
    text = value.strip().lower()
    if text not in TierCode.values:
        raise ValueError(
            _("“%(value)s” is not a tier (%(choices)s).")
            % {"value": value.strip()[:40], "choices": ", ".join(TierCode.values)}
        )
    return text


def _parse_specializations(value: str) -> list[str]:
    tags = [tag for tag in (t.strip() for t in re.split(r"[,;|、，；]+", value)) if tag]
    if len(tags) > MAX_SPECIALIZATIONS:
        raise ValueError(_("At most %(n)s specializations.") % {"n": MAX_SPECIALIZATIONS})
    if any(len(tag) > 40 for tag in tags):
        raise ValueError(_("A specialization has at most 40 characters."))
    return list(dict.fromkeys(tags))


def _parse_email(value: str) -> str:
    text = value.strip().lower()
    if len(text) > 254:
        raise ValueError(_("At most %(n)s characters.") % {"n": 254})
    try:
        validate_email(text)
    except ValidationError as exc:
        raise ValueError(_("“%(value)s” is not an e-mail address.") % {"value": text[:40]}) from exc
    return text


def _parse_language(value: str) -> str:
    text = value.strip().lower().replace("_", "-")
    text = {"zh": "zh-hans", "zh-cn": "zh-hans", "cn": "zh-hans"}.get(text, text)
    codes = [code for code, _label in settings.LANGUAGES]
    if text not in codes:
        raise ValueError(
            _("“%(value)s” is not a language (%(choices)s).")
            % {"value": value.strip()[:40], "choices": ", ".join(codes)}
        )
    return text


@register
class PartnerImporter(Importer):
    """Partner companies with their first administrator, who is invited by e-mail once the whole
    file is imported (an invitation of a rejected file is never sent)."""

    kind = "partners"
    label = gettext_lazy("Partners")
    description = gettext_lazy(
        "One row per company. Columns: legal_name, tax_id (China: the 18-character unified social "
        "credit code), partner_type (distributor, reseller, isv, service_provider, regional_agent, "
        "franchise_store), regions (region codes such as CN-SH; CN-JS), admin_email, admin_name; "
        "optionally country (two letters, CN when empty), tier (registered, silver, gold, "
        "diamond; registered when empty), parent_tax_id (a distributor already registered or "
        "in the same file), channel_manager_email, contract_currency, specializations and "
        "admin_language (en or zh-hans). Each administrator receives an invitation e-mail once "
        "the whole file is imported."
    )
    roles: frozenset[str] = frozenset()  # administrators only
    max_rows = PARTNER_IMPORT_MAX_ROWS
    columns = [
        Column("legal_name", _limited(200)),
        Column("tax_id", _parse_tax_id),
        Column("country", _parse_country, required=False),
        Column("partner_type", _parse_partner_type),
        Column("regions", _parse_regions),
        Column("tier", _parse_tier, required=False),
        Column("parent_tax_id", _parse_tax_id, required=False),
        Column("channel_manager_email", _parse_email, required=False),
        Column("contract_currency", parse_currency, required=False),
        Column("specializations", _parse_specializations, required=False),
        Column("admin_email", _parse_email),
        Column("admin_name", _limited(200)),
        Column("admin_language", _parse_language, required=False),
    ]
    key_columns = ("tax_id",)

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        country = row["country"] or "CN"
        if country == "CN" and not is_valid_credit_code(row["tax_id"]):
            raise RowError(
                "tax_id",
                _("This is not a valid unified social credit code (check the 18 characters)."),
            )
        if row["parent_tax_id"] and row["parent_tax_id"] == row["tax_id"]:
            raise RowError("parent_tax_id", _("A partner cannot be its own parent."))
        if not row["regions"]:
            raise RowError("regions", _("This value is required."))
        return row | {
            "country": country,
            "tier": row["tier"] or TierCode.REGISTERED.value,
            "contract_currency": row["contract_currency"] or ("CNY" if country == "CN" else "EUR"),
            "admin_language": row["admin_language"] or ("zh-hans" if country == "CN" else "en"),
            "specializations": row["specializations"] or [],
        }

    def _parse_rows(self, batch, path, report, rows, errors) -> int:
        count = super()._parse_rows(batch, path, report, rows, errors)
        found = self._file_errors(rows)
        if found:
            bad_lines = {error["row"] for error in found}
            rows[:] = [row for row in rows if row["_line"] not in bad_lines]
            batch.error_count += len(found)
            errors.extend(found[: max(MAX_REPORTED_ERRORS - len(errors), 0)])
            errors.sort(key=lambda e: e["row"])
        return count

    def _file_errors(self, rows: list[dict[str, Any]]) -> list[dict]:
        """The checks that need the whole file or the database, set-based: e-mails repeated in the
        file, tax IDs and e-mails already registered, unknown tiers, parents and managers."""
        errors: list[dict] = []

        def error(row: dict, column: str, message: str) -> None:
            errors.append({"row": row["_line"], "column": column, "message": message})

        tax_ids = {row["tax_id"] for row in rows}
        parent_ids = {row["parent_tax_id"] for row in rows if row["parent_tax_id"]}
        # Tax IDs and e-mail addresses compare without case (the file's are upper- and
        # lower-cased already, those registered may not be).
        existing = {
            p.tax_id.upper(): p
            for p in Partner.objects.annotate(tax_id_upper=Upper("tax_id"))
            .filter(tax_id_upper__in=tax_ids | parent_ids)
            .only("pk", "tax_id", "partner_type", "parent_id")
        }
        emails = {row["admin_email"] for row in rows}
        taken = set(
            User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=emails)
            .values_list("email_lower", flat=True)
        )
        manager_emails = {row["channel_manager_email"] for row in rows} - {None}
        managers = set(
            User.objects.annotate(email_lower=Lower("email"))
            .filter(
                email_lower__in=manager_emails,
                role__in=[Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR],
                is_active=True,
            )
            .values_list("email_lower", flat=True)
        )
        tiers = set(Tier.objects.values_list("code", flat=True))
        in_file = {row["tax_id"]: row for row in rows}
        first_with_email: dict[str, int] = {}
        for row in rows:
            if row["tax_id"] in existing:
                error(row, "tax_id", _("A partner with this tax ID already exists."))
            if row["tier"] not in tiers:
                error(row, "tier", _("This tier is not configured."))
            email = row["admin_email"]
            if email in taken:
                error(row, "admin_email", _("A user with this e-mail address already exists."))
            elif email in first_with_email:
                error(
                    row,
                    "admin_email",
                    _("Row %(row)s has the same e-mail address.")
                    % {"row": first_with_email[email]},
                )
            else:
                first_with_email[email] = row["_line"]
            if row["channel_manager_email"] and row["channel_manager_email"] not in managers:
                error(
                    row,
                    "channel_manager_email",
                    _("No active channel manager has this e-mail address."),
                )
            parent_tax_id = row["parent_tax_id"]
            if parent_tax_id:
                parent = existing.get(parent_tax_id) or in_file.get(parent_tax_id)
                message = None
                if parent is None:
                    message = _("No partner has this tax ID, registered or in this file.")
                elif _value(parent, "partner_type") != PartnerType.DISTRIBUTOR:
                    message = _("The parent partner must be a distributor.")
                elif _value(parent, "parent_id") or _value(parent, "parent_tax_id"):
                    message = _("The parent already has a parent: only two levels are allowed.")
                elif row["tax_id"] in parent_ids and row["partner_type"] == PartnerType.DISTRIBUTOR:
                    message = _("This partner has dealers of its own: only two levels are allowed.")
                if message:
                    error(row, "parent_tax_id", message)
        return errors

    def save(self, rows: list[dict[str, Any]], batch) -> int:
        actor = batch.uploaded_by if batch else None
        tiers = {tier.code: tier for tier in Tier.objects.all()}
        managers = {
            user.email_lower: user
            for user in User.objects.annotate(email_lower=Lower("email")).filter(
                email_lower__in={row["channel_manager_email"] for row in rows} - {None},
                role__in=[Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR],
            )
        }
        registered = {
            partner.tax_id.upper(): partner
            for partner in Partner.objects.annotate(tax_id_upper=Upper("tax_id")).filter(
                tax_id_upper__in={row["parent_tax_id"] for row in rows} - {None}
            )
        }
        created: dict[str, Partner] = {}
        # Parents first: a dealer may name a distributor of the same file.
        for row in sorted(rows, key=lambda r: (r["parent_tax_id"] is not None, r["_line"])):
            parent_tax_id = row["parent_tax_id"]
            parent = None
            if parent_tax_id:
                parent = created.get(parent_tax_id) or registered[parent_tax_id]
            partner = Partner.objects.create(
                legal_name=row["legal_name"],
                tax_id=row["tax_id"],
                country=row["country"],
                partner_type=row["partner_type"],
                regions=row["regions"],
                parent=parent,
                channel_manager=managers.get(row["channel_manager_email"] or ""),
                tier=tiers[row["tier"]],
                contract_currency=row["contract_currency"],
                specializations=row["specializations"],
            )
            created[partner.tax_id] = partner
            transition_record(
                partner,
                actor=actor,
                action="partner.created",
                partner=partner,
                changes={"tier": row["tier"], "parent": parent_tax_id},
                note=_("Imported from %(file)s") % {"file": batch.original_name} if batch else "",
            )
            partner_user_invite(
                partner=partner,
                email=row["admin_email"],
                full_name=row["admin_name"],
                role=Role.PARTNER_ADMIN,
                actor=actor,
                language=row["admin_language"],
            )
        if batch is not None:
            audit_record(
                actor=actor, action="partners.imported", obj=batch, changes={"rows": len(created)}
            )
        return len(created)


def _value(parent: Partner | dict, name: str) -> Any:
    """A field of a parent registered already (a Partner) or named in the same file (a row)."""
    if isinstance(parent, dict):
        return parent.get(name)
    return getattr(parent, name, None)

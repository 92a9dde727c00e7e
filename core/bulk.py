"""Bulk decisions on approval queues (DESIGN §8.1): a manager selects rows and decides them with one
reason, and each row still goes through its own service, its own rules and its own audit row.

`BulkDecisionForm` parses the selection (capped at `BULK_MAX_ROWS`), the decision and the reason;
`bulk_apply` re-reads the selected ids through the caller's scoped queryset (an id the user may not
decide is reported "not found" and never acted on) and runs one service call per row, each in its
own transaction, so one refusal does not undo the others.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

BULK_MAX_ROWS = 200


class BulkIdsField(forms.Field):
    """The selected rows: distinct positive integer ids, at least one, at most `BULK_MAX_ROWS`."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": gettext_lazy("Select at least one row."),
        "invalid": gettext_lazy("The selection is not valid."),
        "too_many": gettext_lazy("Select at most %(limit)s rows at a time."),
    }

    def to_python(self, value) -> list[int]:
        if value in self.empty_values:
            return []
        if isinstance(value, str | int):
            value = [value]
        ids: list[int] = []
        for item in value:
            try:
                number = int(str(item).strip())
            except (TypeError, ValueError):
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
            if number <= 0:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            if number not in ids:
                ids.append(number)
        return ids

    def validate(self, value: list[int]) -> None:
        super().validate(value)
        if len(value) > BULK_MAX_ROWS:
            raise ValidationError(
                self.error_messages["too_many"], code="too_many", params={"limit": BULK_MAX_ROWS}
            )


class BulkDecisionForm(forms.Form):
    """One decision and one reason for the selected rows.

    `decisions` are the queue's (value, label) choices; a decision in `reason_required` needs a
    reason (the services ask for it too, row by row; the form says it once, on the field).
    """

    ids = BulkIdsField()
    decision = forms.ChoiceField(label=gettext_lazy("Decision"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args,
        decisions: Sequence[tuple[str, str]],
        reason_required: Collection[str] = ("reject",),
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = list(decisions)
        self.reason_required = frozenset(reason_required)

    def clean(self):
        cleaned = super().clean()
        cleaned["reason"] = (cleaned.get("reason") or "").strip()
        if cleaned.get("decision") in self.reason_required and not cleaned["reason"]:
            self.add_error("reason", _("Give the reason for this decision."))
        return cleaned


@dataclass(frozen=True)
class BulkOutcome:
    """What happened to one selected row: `ok`, or the message of the service's refusal."""

    pk: int
    ok: bool
    message: str = ""
    label: str = ""
    url: str = ""


@dataclass
class BulkResult:
    decision: str
    outcomes: list[BulkOutcome] = field(default_factory=list)

    @property
    def succeeded(self) -> list[BulkOutcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[BulkOutcome]:
        return [o for o in self.outcomes if not o.ok]

    def as_data(self) -> list[dict]:
        """Per-id results for the API: id, ok, message."""
        return [{"id": o.pk, "ok": o.ok, "message": o.message} for o in self.outcomes]


def refusal_message(exc: ValidationError | PermissionDenied) -> str:
    """A service's refusal as one sentence in the reader's language."""
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("You may not decide this one.")


# Not atomic as a whole on purpose: one transaction per row, so one refusal undoes nothing else.
def bulk_apply(
    *,
    rows: QuerySet,
    ids: Sequence[int],
    decision: str,
    act: Callable[[Model], object],
    label: Callable[[Model], str] = str,
    url: Callable[[Model], str] | None = None,
) -> BulkResult:
    """Run `act` on each of `ids` found in `rows` (the user's scoped queryset), in order.

    An id outside `rows` is reported as not found, without saying whether it exists. `act` is the
    row's own service; its `ValidationError` or `PermissionDenied` becomes that row's message.
    """
    found = rows.in_bulk(list(ids))
    result = BulkResult(decision=decision)
    for pk in ids:
        obj = found.get(pk)
        if obj is None:
            result.outcomes.append(BulkOutcome(pk=pk, ok=False, message=_("Not found.")))
            continue
        shown = {"label": label(obj), "url": url(obj) if url else ""}
        try:
            with transaction.atomic():
                act(obj)
        except (ValidationError, PermissionDenied) as exc:
            result.outcomes.append(
                BulkOutcome(pk=pk, ok=False, message=refusal_message(exc), **shown)
            )
        else:
            result.outcomes.append(BulkOutcome(pk=pk, ok=True, **shown))
    return result

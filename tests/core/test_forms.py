"""`apply_service_errors`: a service's refusal lands next to the field it names, the rest above."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from core.forms import apply_service_errors


class NoteForm(forms.Form):
    note = forms.CharField()


def _valid_form() -> NoteForm:
    form = NoteForm({"note": "hello"})
    assert form.is_valid()
    return form


def test_field_messages_go_next_to_their_field_and_unknown_fields_above_the_form():
    # Given a service refusal naming a field of the form and one the form does not have
    form = _valid_form()
    exc = ValidationError({"note": "Too short.", "amount": "Over budget."})
    # When it is applied to the form
    kept = apply_service_errors(form, exc)
    # Then the form's field carries its message and the other is a non-field error
    assert kept == {}
    assert form.errors["note"] == ["Too short."]
    assert form.errors[NON_FIELD_ERRORS] == ["Over budget."]


def test_a_message_without_field_goes_above_the_form_or_under_the_default():
    # Given a refusal that names no field
    form = _valid_form()
    apply_service_errors(form, ValidationError(["Closed.", "Locked."]))
    # Then both messages are shown above the form
    assert form.errors[NON_FIELD_ERRORS] == ["Closed.", "Locked."]
    # And with a default field, they are shown next to it
    form = _valid_form()
    apply_service_errors(form, ValidationError("Closed."), default="note")
    assert form.errors["note"] == ["Closed."]


def test_kept_fields_are_returned_and_not_added_to_the_form():
    # Given a refusal about a formset of the page, which is not a field of the form
    form = _valid_form()
    exc = ValidationError({"brackets": ["Overlap."], "note": ["Too short."]})
    # When the page keeps the formset's messages
    kept = apply_service_errors(form, exc, keep={"brackets"})
    # Then they come back to it and only the field's message is on the form
    assert kept == {"brackets": ["Overlap."]}
    assert dict(form.errors) == {"note": ["Too short."]}

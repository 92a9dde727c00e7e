"""The steps of a partner's exit checklist (DESIGN §2.9), registered by the apps that own the work.

Partners sits below deals, training, settlement and funds and never imports them. Each of those apps
registers its steps here with `exit_step_register` in `AppConfig.ready()`: how many things are
still to do (`remaining`), the service that does them at once (`run`), or the page where a manager
does them (`link`). Partners owns the steps it does itself: materials and the users.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

OWNER_MANAGER = "manager"
OWNER_FINANCE = "finance"


@dataclass(frozen=True)
class ExitStep:
    """One line of the checklist.

    `run(*, partner, actor) -> str` does the step in the owning app's service and says what it
    did; `remaining(*, partner) -> int` counts what is left (the item cannot be ticked while it is
    not zero); `link(exit) -> str` is the page where the step is worked on; an `automatic` step is
    ticked by the exit-date job, never by hand.
    """

    key: str
    label: Any
    position: int
    owner: str = OWNER_MANAGER
    days_before: int = 0
    run: Callable[..., str] | None = None
    run_label: Any = ""
    remaining: Callable[..., int] | None = None
    link: Callable[..., str] | None = None
    link_label: Any = ""
    automatic: bool = False


_steps: dict[str, ExitStep] = {}


def exit_step_register(step: ExitStep) -> None:
    """Called at start-up by the app that owns the step."""
    _steps[step.key] = step


def exit_steps() -> list[ExitStep]:
    """Every registered step, in checklist order."""
    return sorted(_steps.values(), key=lambda step: (step.position, step.key))


def exit_step(key: str) -> ExitStep:
    try:
        return _steps[key]
    except KeyError:
        raise ImproperlyConfigured(f"No installed app supplies the exit step {key!r}.") from None


# Partners' own steps.
MATERIALS = "materials"
USERS = "users"

exit_step_register(
    ExitStep(
        key=MATERIALS,
        label=_("Materials and demo equipment returned"),
        position=60,
        days_before=0,
    )
)
exit_step_register(
    ExitStep(
        key=USERS,
        label=_("Users deactivated on the exit date"),
        position=90,
        automatic=True,
    )
)

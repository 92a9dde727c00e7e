from django.db import models
from django.utils.translation import gettext_lazy as _


class Track(models.TextChoices):
    SALES = "sales", _("Sales")
    PRESALES = "presales", _("Presales")
    TECHNICAL = "technical", _("Technical")


class Level(models.TextChoices):
    JUNIOR = "junior", _("Junior")
    MID = "mid", _("Mid")
    SENIOR = "senior", _("Senior")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Not passed")

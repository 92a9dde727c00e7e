"""How a statement line was calculated, told by the app whose row it came from (DESIGN §6.3).

Settlement sits below the apps that queue entries, so it never imports them: an app registers a
provider for its `source_type` in its `AppConfig.ready()` (rebates: the accrual's calculation
trace), and the statement PDF prints the provider's one-line summary under the line. A provider
takes many source ids at once and answers in one query, so a batch of statements costs the same
number of queries whatever its size. Lines whose source has no provider print their description
only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

LineDetailProvider = Callable[[list[str]], dict[str, str]]

_providers: dict[str, LineDetailProvider] = {}


def line_detail_register(source_type: str, provider: LineDetailProvider) -> None:
    """`provider(source_ids)` returns {source_id: summary in the active language}."""
    _providers[source_type] = provider


def line_details(lines: Iterable) -> dict[int, str]:
    """{line pk: summary} for the lines (with their `entry` loaded) that have one."""
    wanted: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        entry = line.entry
        if entry is not None and entry.source_type in _providers:
            wanted[entry.source_type][entry.source_id].append(line.pk)
    details: dict[int, str] = {}
    for source_type, by_source in wanted.items():
        summaries = _providers[source_type](list(by_source))
        for source_id, line_pks in by_source.items():
            if summary := summaries.get(source_id):
                for pk in line_pks:
                    details[pk] = summary
    return details

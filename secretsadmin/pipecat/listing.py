"""The sets list as a person asks for it: search, filters, order and page, over the shared list.

Pipecat Cloud lists every set at once and does not page, so paging happens here, over the one
list every page and badge shares (`selectors.list_sets`). Filtering and sorting 2,000 sets takes
about a millisecond; rendering all of them took most of a request and most of a megabyte, so a
page holds `PAGE_SIZE` sets and the page loads more as it is scrolled.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Self
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator

from secretsadmin.providers.pipecat import SecretSet

PAGE_SIZE = 50
FILTERS = ("q", "type", "region", "status")
DEFAULT_SORT = "name"
# Failed sets first, then pending: what needs someone's attention before what is done.
_STATUS_ORDER = {"failed": 0, "pending": 1, "ready": 2}
_SORT_KEYS: dict[str, Callable[[SecretSet], str | int]] = {
    "name": lambda s: s.name,
    "type": lambda s: s.type,  # "imagePullSecret" before "secret", as their labels sort
    "region": lambda s: s.region,
    "status": lambda s: _STATUS_ORDER.get(s.status, len(_STATUS_ORDER)),
}
COLUMNS = {"name": "Name", "type": "Type", "region": "Region", "status": "Status"}


@dataclass(frozen=True)
class SetQuery:
    """What the list is asked to show. `sort` is a column, with "-" before it for descending."""

    q: str = ""
    type: str = ""
    region: str = ""
    status: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Self:
        """From a request's query; an unknown order or page number falls back to the first."""
        sort = params.get("sort", DEFAULT_SORT)
        if sort.removeprefix("-") not in _SORT_KEYS:
            sort = DEFAULT_SORT
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        filters = {name: params.get(name, "").strip() for name in FILTERS}
        return cls(**filters, sort=sort, page=page)

    @property
    def filtered(self) -> bool:
        return any(getattr(self, name) for name in FILTERS)

    def querystring(self, **changes: str | int) -> str:
        """This query (with `changes`) as a URL's query, "?sort=-name": no empty value and no
        default, so the address shows what was asked for and nothing else; "" for the default."""
        query = replace(self, **changes)  # type: ignore[arg-type]
        pairs = [(name, getattr(query, name)) for name in FILTERS if getattr(query, name)]
        if query.sort != DEFAULT_SORT:
            pairs.append(("sort", query.sort))
        if query.page != 1:
            pairs.append(("page", str(query.page)))
        return f"?{urlencode(pairs)}" if pairs else ""


@dataclass(frozen=True)
class Column:
    """A sortable column's header: its `aria-sort` and the query its link asks for."""

    label: str
    aria_sort: str  # "ascending", "descending" or "" when the list is not sorted by it
    query: str


@dataclass(frozen=True)
class SetsPage:
    query: SetQuery
    page: Page[SecretSet]
    total: int  # sets in the account, whatever the filters

    @property
    def matches(self) -> int:
        return self.page.paginator.count

    @property
    def shown_to(self) -> str:
        """The count after the first row's number: "50 of 2,000 sets". A page that loads more
        replaces this part alone, as the first row stays where it was."""
        sets = "set" if self.matches == 1 else "sets"
        if not self.query.filtered:
            return f"{self.page.end_index():,} of {self.matches:,} {sets}"
        shown = f"{self.page.end_index():,} of {self.matches:,} matching {sets}"
        return f"{shown}, out of {self.total:,}"

    @property
    def first(self) -> str:
        """The first row's number, when the page shows more than one row: "1–"."""
        start = self.page.start_index()
        return "" if start == self.page.end_index() else f"{start:,}–"

    @property
    def previous_query(self) -> str | None:
        if not self.page.has_previous():
            return None
        return self.query.querystring(page=self.page.previous_page_number())

    @property
    def previous_rows(self) -> str:
        """The rows the previous page holds: "1–50"."""
        return self._rows_of(self.page.number - 1)

    @property
    def next_query(self) -> str | None:
        if not self.page.has_next():
            return None
        return self.query.querystring(page=self.page.next_page_number())

    @property
    def next_rows(self) -> str:
        return self._rows_of(self.page.number + 1)

    def _rows_of(self, number: int) -> str:
        paginator = self.page.paginator
        first = (number - 1) * paginator.per_page + 1
        last = min(number * paginator.per_page, paginator.count)
        return f"{first:,}" if first == last else f"{first:,}–{last:,}"

    @cached_property  # the header row and the narrow windows' sort links both show them
    def columns(self) -> list[Column]:
        """Each header links to its column ascending, or descending when already ascending;
        a new order starts at the first page."""
        current, descending = self.query.sort.removeprefix("-"), self.query.sort.startswith("-")
        columns = []
        for name, label in COLUMNS.items():
            ascending_now = name == current and not descending
            aria = "" if name != current else "descending" if descending else "ascending"
            sort = f"-{name}" if ascending_now else name
            columns.append(Column(label, aria, self.query.querystring(sort=sort, page=1)))
        return columns

    @property
    def canonical_query(self) -> str:
        """The query of what is shown, with a page past the end brought back to the last."""
        return self.query.querystring(page=self.page.number)


def sets_page(sets: Sequence[SecretSet], query: SetQuery, *, per_page: int = PAGE_SIZE) -> SetsPage:
    """The page of `sets` (sorted by name, as `list_sets` returns them) that `query` asks for."""
    matching = _filtered(sets, query)
    column = query.sort.removeprefix("-")
    if query.sort != DEFAULT_SORT:
        # Stable, also when reversed: sets of one type, region or status stay in name order.
        matching = sorted(matching, key=_SORT_KEYS[column], reverse=query.sort.startswith("-"))
    page = Paginator(matching, per_page).get_page(query.page)
    return SetsPage(query, page, total=len(sets))


def _filtered(sets: Sequence[SecretSet], query: SetQuery) -> Sequence[SecretSet]:
    if not query.filtered:
        return sets
    q = query.q.lower()
    return [
        s
        for s in sets
        if (not q or q in s.name)
        and (not query.type or s.type == query.type)
        and (not query.region or s.region == query.region)
        and (not query.status or s.status == query.status)
    ]

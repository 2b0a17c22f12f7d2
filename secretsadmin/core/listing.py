"""A provider's list as a person asks for it: search, filters, order and page, over the whole list.

The lists come whole from the shared reads (Pipecat Cloud does not page; a Gcore Cloud account's
regions are each read whole), so searching, filtering, sorting and paging happen here. Filtering
and sorting 2,000 items takes about a millisecond; rendering all of them took most of a request and
most of a megabyte, so a page holds `PAGE_SIZE` items and the page loads more as it is scrolled.

Each list says what it may be asked (a `Listing`: its filters, sortable columns and default
order); the address of what is shown names only what was asked (`Query.querystring`).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator

PAGE_SIZE = 50


@dataclass(frozen=True)
class Sort[T]:
    """A sortable column: its header, and what an item sorts by in it."""

    label: str
    key: Callable[[T], Any]


@dataclass(frozen=True)
class Query:
    """What a list is asked to show: a value per filter ("" for none), an order (a column, with
    "-" before it for descending) and a page. A template reads a filter as `query.q`."""

    filters: tuple[tuple[str, str], ...]
    sort: str
    page: int
    default_sort: str  # the order of an address that names none

    def __getitem__(self, name: str) -> str:
        return dict(self.filters)[name]

    @property
    def filtered(self) -> bool:
        return any(value for _, value in self.filters)

    def querystring(self, *, sort: str | None = None, page: int | None = None) -> str:
        """This query (in another order, or at another page) as a URL's query, "?sort=-name":
        no empty value and no default, so the address shows what was asked for and nothing else;
        "" for the default."""
        sort = self.sort if sort is None else sort
        page = self.page if page is None else page
        pairs = [(name, value) for name, value in self.filters if value]
        if sort != self.default_sort:
            pairs.append(("sort", sort))
        if page != 1:
            pairs.append(("page", str(page)))
        return f"?{urlencode(pairs)}" if pairs else ""


@dataclass(frozen=True)
class Column:
    """A sortable column's header: its `aria-sort` and the query its link asks for."""

    label: str
    aria_sort: str  # "ascending", "descending" or "" when the list is not sorted by it
    query: str


@dataclass(frozen=True)
class Listing[T]:
    """What one kind of list may be asked. `matching(query)` is the test an item must pass to be
    shown; it is asked for only when some filter is set."""

    noun: str  # "set"
    plural: str  # "sets"
    filters: tuple[str, ...]  # the query's parameters that narrow the list
    sorts: Mapping[str, Sort[T]]  # the sortable columns, in the order of the header row
    default_sort: str  # one of `sorts`, with "-" before it for descending
    matching: Callable[[Query], Callable[[T], bool]]

    def query(self, params: Mapping[str, str]) -> Query:
        """From a request's query; an unknown order or page number falls back to the default."""
        sort = params.get("sort", self.default_sort)
        if sort.removeprefix("-") not in self.sorts:
            sort = self.default_sort
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        filters = tuple((name, params.get(name, "").strip()) for name in self.filters)
        return Query(filters, sort, page, self.default_sort)

    def page(self, items: Sequence[T], query: Query, *, per_page: int = PAGE_SIZE) -> "ListPage[T]":
        """The page of `items` that `query` asks for. Items the order ranks alike keep the order
        they come in (also when it is reversed): pass them in the order ties should show."""
        shown = list(filter(self.matching(query), items)) if query.filtered else items
        column = self.sorts[query.sort.removeprefix("-")]
        ordered = sorted(shown, key=column.key, reverse=query.sort.startswith("-"))
        return ListPage(self, query, Paginator(ordered, per_page).get_page(query.page), len(items))


@dataclass(frozen=True)
class ListPage[T]:
    listing: Listing[T]
    query: Query
    page: Page[T]
    total: int  # items in the whole list, whatever the filters

    @property
    def matches(self) -> int:
        return self.page.paginator.count

    @property
    def shown_to(self) -> str:
        """The count after the first row's number: "50 of 2,000 sets". A page that loads more
        replaces this part alone, as the first row stays where it was."""
        noun = self.listing.noun if self.matches == 1 else self.listing.plural
        if not self.query.filtered:
            return f"{self.page.end_index():,} of {self.matches:,} {noun}"
        shown = f"{self.page.end_index():,} of {self.matches:,} matching {noun}"
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
        return list(self.headers.values())

    @cached_property
    def headers(self) -> dict[str, Column]:
        """The sortable columns by name, for a header row that has others between them."""
        current, descending = self.query.sort.removeprefix("-"), self.query.sort.startswith("-")
        headers = {}
        for name, sort in self.listing.sorts.items():
            ascending_now = name == current and not descending
            aria = "" if name != current else "descending" if descending else "ascending"
            order = f"-{name}" if ascending_now else name
            headers[name] = Column(sort.label, aria, self.query.querystring(sort=order, page=1))
        return headers

    @property
    def canonical_query(self) -> str:
        """The query of what is shown, with a page past the end brought back to the last."""
        return self.query.querystring(page=self.page.number)

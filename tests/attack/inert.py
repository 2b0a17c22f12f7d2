"""What makes a page's markup inert: no script but the page's own files, no event handler
attributes, no `javascript:` address. Text that names things (a secret's name, a provider's
message) can then only ever be text."""

from html.parser import HTMLParser

# Attributes a browser (or htmx) follows or fetches: a `javascript:` value there runs.
ADDRESSES = frozenset(
    {"href", "src", "action", "formaction", "hx-get", "hx-post", "hx-put", "hx-delete"}
    | {"hx-patch", "data", "poster", "xlink:href"}
)


class Markup(HTMLParser):
    """Everything a page's markup could run, as (what, where) pairs."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.runnable: list[tuple[str, str]] = []
        self._script: dict[str, str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            text = (value or "").strip().lower()
            if name.startswith("on"):
                self.runnable.append((f"{name} attribute", tag))
            elif name == "hx-vals" and text.startswith(("js:", "javascript:")):
                self.runnable.append(("hx-vals that htmx evaluates", tag))
            elif name in ADDRESSES and "".join(text.split()).startswith("javascript:"):
                self.runnable.append((f"javascript: in {name}", tag))
            elif name.startswith("hx-on"):
                self.runnable.append((f"{name} attribute", tag))
        if tag == "script":
            self._script = dict((name, value or "") for name, value in attrs)
            if not self._script.get("src"):
                self.runnable.append(("a script without src", "script"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None and data.strip():
            self.runnable.append(("inline script text", "script"))


def runnable(html: str) -> list[tuple[str, str]]:
    return Markup(html).runnable

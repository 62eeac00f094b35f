"""HTML mail bodies turned into plain text that the reply trimmer can read.

A small converter on the stdlib `html.parser` (no regex over the whole document): block
elements become lines, `<blockquote>` content is prefixed with `> ` like a plain-text quote,
lists get `- ` / `1. ` marks, `<hr>` becomes a rule line, and the containers that mail clients
wrap quoted history in without a blockquote (Outlook's `divRplyFwdMsg`, `OLK_SRC_BODY_SECTION`,
`appendonsend`, Hotmail's `stopSpelling` rule) become a rule line too, so that the trimmer cuts there.
"""

from __future__ import annotations

from html.parser import HTMLParser

#: Input beyond this many characters is not converted (a reply never needs more).
MAX_HTML_CHARS = 300_000

#: The line emitted where a client starts quoted history; the trimmer cuts at such rule lines.
QUOTE_RULE = "_" * 32

_SKIP = frozenset({"style", "script", "head", "title", "xml", "template", "noscript", "object"})
_BLOCK = frozenset(
    {
        "address",
        "article",
        "aside",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "li",
        "main",
        "nav",
        "ol",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    }
)
_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "wbr"}
)
#: Element ids and classes under which clients put the quoted original without a blockquote.
_QUOTE_IDS = frozenset(
    {
        "divrplyfwdmsg",
        "olk_src_body_section",
        "appendonsend",
        "stopspelling",
        "signature",
        "applemailsignature",
        "ms-outlook-mobile-signature",
    }
)
_QUOTE_CLASSES = frozenset(
    {"yahoo_quoted", "moz-forward-container", "zmail_extra", "gmail_signature", "moz-signature"}
)
#: Outlook for iOS/Mac put new text in "messageBodySection" and the quote in "messageReplySection"
#: (a reply section with no body section before it is the reply itself).
_BODY_SECTION = "messagebodysection"
_REPLY_SECTION = "messagereplysection"
#: Outlook desktop draws a top border over its "From:/Sent:" block in these colours.
_OUTLOOK_BORDERS = ("border-top:solid#e1e1e1", "border-top:solid#b5c4df")


def _starts_quote(attributes: dict[str, str], after_body_section: bool) -> bool:
    """True for an element that mail clients use to hold quoted history or a signature."""
    if attributes.get("id", "").lower() in _QUOTE_IDS:
        return True
    if after_body_section and attributes.get("name", "").lower() == _REPLY_SECTION:
        return True
    if _QUOTE_CLASSES & set(attributes.get("class", "").lower().split()):
        return True
    style = attributes.get("style", "")
    if "border-top" in style.lower():
        compact = "".join(style.lower().split())
        return any(border in compact for border in _OUTLOOK_BORDERS)
    return False


class _TextWriter(HTMLParser):
    """Collects text lines while the parser walks the tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.skip_stack: list[str] = []
        self.quote_depth = 0
        self.pre_depth = 0
        self.lists: list[list[int]] = []  # per open list: [ordered flag, counter]
        self.seen_body_section = False

    def _prefix(self) -> str:
        return "> " * self.quote_depth

    def _flush(self) -> None:
        text = "".join(self.current)
        self.current = []
        if self.pre_depth:
            for line in text.split("\n"):
                self.lines.append(self._prefix() + line.rstrip())
            return
        text = " ".join(text.split())
        if text:
            self.lines.append(self._prefix() + text)

    def _blank(self) -> None:
        self._flush()
        if self.lines and self.lines[-1].strip("> ") != "":
            self.lines.append(self._prefix().rstrip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_depth:
            if tag not in _VOID:
                self.skip_stack.append(tag)
                self.skip_depth += 1
            return
        if tag in _SKIP:
            self.skip_stack.append(tag)
            self.skip_depth = 1
            return
        attributes = {name: (value or "") for name, value in attrs}
        if attributes.get("name", "").lower() == _BODY_SECTION:
            self.seen_body_section = True
        if attributes and _starts_quote(attributes, self.seen_body_section):
            self._flush()
            self.lines.append(self._prefix() + QUOTE_RULE)
        if tag == "br":
            if self.pre_depth:
                self.current.append("\n")
            elif "".join(self.current).strip():
                self._flush()
            else:
                self.current = []
                self.lines.append(self._prefix().rstrip())
            return
        if tag == "hr":
            self._flush()
            self.lines.append(self._prefix() + QUOTE_RULE)
        elif tag == "blockquote":
            self._blank()
            self.quote_depth += 1
        elif tag in ("ul", "ol"):
            self._flush()
            self.lists.append([1 if tag == "ol" else 0, 0])
        elif tag == "li":
            self._flush()
            if self.lists:
                self.lists[-1][1] += 1
                ordered, count = self.lists[-1]
                self.current.append(f"{count}. " if ordered else "- ")
            else:
                self.current.append("- ")
        elif tag == "pre":
            self._blank()
            self.pre_depth += 1
        elif tag in _PARAGRAPH:
            self._blank()
        elif tag in _BLOCK:
            self._flush()
        elif tag == "img":
            alt = (attributes.get("alt") or "").strip()
            if alt:
                self.current.append(f"[{alt}]")
        elif tag in ("td", "th"):
            self.current.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self.skip_depth:
            if tag in self.skip_stack:
                while self.skip_stack:
                    self.skip_depth -= 1
                    if self.skip_stack.pop() == tag:
                        break
                self.skip_depth = len(self.skip_stack)
            return
        if tag == "blockquote":
            self._flush()
            self.quote_depth = max(0, self.quote_depth - 1)
            self._blank()
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
            if not self.lists:
                self._blank()
        elif tag == "pre":
            self._flush()
            self.pre_depth = max(0, self.pre_depth - 1)
            self._blank()
        elif tag in _PARAGRAPH:
            self._blank()
        elif tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        self.current.append(data)

    def handle_comment(self, data: str) -> None:
        return

    def text(self) -> str:
        """The collected text, with runs of blank lines squeezed to one."""
        self._flush()
        out: list[str] = []
        for line in self.lines:
            line = line.replace("\xa0", " ").rstrip()
            if not line.strip("> ") and out and not out[-1].strip("> "):
                continue
            out.append(line)
        return "\n".join(out).strip("\n")


def html_to_text(html: str) -> str:
    """Convert an HTML mail body to readable plain text; never raises on malformed markup."""
    writer = _TextWriter()
    kept = html[:MAX_HTML_CHARS]
    if len(html) > MAX_HTML_CHARS and kept.rfind("<") > kept.rfind(">"):
        kept = kept[: kept.rfind("<")]  # not a tag cut short, which the parser would give as text
    try:
        writer.feed(kept.replace("\x00", ""))
        writer.close()
    except (AssertionError, ValueError):  # html.parser's rare complaints on broken markup
        pass
    return writer.text()

"""Cut a reply down to what its author wrote now: no quoted history, no signature.

The trimmer scans lines once, top to bottom, with plain string tests (no regular expression
runs over the message, so nothing can backtrack), and reads at most `MAX_REPLY_CHARS`.

Where it cuts, and why:
- our own marker line ("Reply above this line", and its translations);
- an attribution line ("On … wrote:", also wrapped over up to three lines, in English, Spanish,
  French, German, Portuguese, Dutch, Italian, the Nordic languages, Polish and others) — when the
  quote under it is `>`-marked the scan skips it and goes on, so bottom-posted and inline replies
  keep their new text;
- an Outlook/Exchange header block (From:/Sent:/To:/Subject: in those languages),
  "-----Original Message-----", forwarded-message banners and underscore rules (Outlook,
  mailing-list footers; `html_to_text` also writes one where an HTML client starts its quote);
- a `-- ` signature delimiter, or any line drawn only with dashes or underscores ("---",
  "____"), which github/email_reply_parser also takes for the start of a signature or footer.
`>`-quoted lines are dropped. At the end of what is kept, it removes "Sent from my iPhone"-style
lines (in several languages), trailing rule lines, a lone `-Name` line and, when the sender's
name or address is known, a short closing block that names the sender ("Thanks,\\nNoam").
"""

from __future__ import annotations

from dataclasses import dataclass

#: Only this many characters of a body are read (INBOUND 15).
MAX_REPLY_CHARS = 20_000
#: Lines longer than this are never taken for a header, attribution or signature.
_MAX_HEADER_LINE = 400

_MARKERS = (
    "reply above this line",
    "write above this line",
    "type your reply above this line",
    "oberhalb dieser zeile",
    "über dieser zeile",
    "au-dessus de cette ligne",
    "encima de esta línea",
    "arriba de esta línea",
    "acima desta linha",
    "boven deze regel",
    "boven deze lijn",
    "sopra questa riga",
    "sopra questa linea",
)

#: Words that open a dated attribution line ("On …", "El …", "Le …", "Am …").
_OPENERS = frozenset(
    {"on", "el", "le", "am", "em", "às", "op", "il", "den", "dnia", "dne", "el día", "på", "pe", "в"}
)
#: The verb of an attribution ("wrote:") in the languages we meet.
_WROTE = (
    "wrote",
    "writes",
    "escribió",
    "escribio",
    "a écrit",
    "a ecrit",
    "schrieb",
    "escreveu",
    "schreef",
    "ha scritto",
    "skrev",
    "kirjoitti",
    "napisał",
    "napsal",
    "написал",
    "пишет",
    "yazdı",
    "írta",
    "έγραψε",
    "כתב",
    "كتب",
    "写道",
    "寫道",
    "작성",
    "のメッセージ",
)

_FROM_LABELS = frozenset(
    {
        "from",
        "von",
        "de",
        "van",
        "da",
        "fra",
        "från",
        "od",
        "expéditeur",
        "remitente",
        "mittente",
        "afzender",
        "от",
        "发件人",
        "寄件者",
        "差出人",
        "보낸 사람",
        "מאת",
    }
)
_OTHER_LABELS = frozenset(
    {
        "sent",
        "date",
        "to",
        "subject",
        "cc",
        "bcc",
        "reply-to",
        "organization",
        "gesendet",
        "datum",
        "an",
        "betreff",
        "kopie",
        "enviado",
        "enviada",
        "fecha",
        "para",
        "asunto",
        "assunto",
        "data",
        "envoyé",
        "envoyé le",
        "à",
        "a",
        "objet",
        "verzonden",
        "aan",
        "onderwerp",
        "inviato",
        "oggetto",
        "sendt",
        "til",
        "emne",
        "skickat",
        "till",
        "ämne",
        "wysłano",
        "do",
        "temat",
        "dw",
        "kopia",
        "отправлено",
        "кому",
        "тема",
        "发送时间",
        "收件人",
        "主题",
        "日付",
        "宛先",
        "件名",
    }
)

_SEPARATOR_PHRASES = (
    "original message",
    "ursprüngliche nachricht",
    "ursprungliche nachricht",
    "message d'origine",
    "message original",
    "mensaje original",
    "mensagem original",
    "oorspronkelijk bericht",
    "messaggio originale",
    "oprindelig meddelelse",
    "opprinnelig melding",
    "ursprungligt meddelande",
    "wiadomość oryginalna",
    "původní zpráva",
    "исходное сообщение",
    "forwarded message",
    "weitergeleitete nachricht",
    "message transféré",
    "mensaje reenviado",
    "mensagem encaminhada",
    "doorgestuurd bericht",
    "messaggio inoltrato",
)
_FORWARD_BANNERS = (
    "begin forwarded message:",
    "anfang der weitergeleiteten nachricht:",
    "début du message réexpédié :",
    "début du message réexpédié:",
    "inicio del mensaje reenviado:",
    "início da mensagem reencaminhada:",
    "begin doorgestuurd bericht:",
    "inizio messaggio inoltrato:",
)

_MOBILE_SIGNATURES = (
    "sent from my ",
    "sent from outlook",
    "sent from mail for windows",
    "sent from yahoo mail",
    "sent from samsung",
    "sent from proton",
    "sent from gmail",
    "sent from the all new aol",
    "sent via ",
    "sent with ",
    "sent using ",
    "get outlook for ",
    "von meinem ",
    "gesendet von ",
    "gesendet mit ",
    "envoyé de mon ",
    "envoyé depuis mon ",
    "envoyé à partir de ",
    "enviado desde mi ",
    "enviado desde ",
    "enviado con ",
    "enviado do meu ",
    "enviado de meu ",
    "enviado a partir do ",
    "verzonden vanaf mijn ",
    "verstuurd vanaf mijn ",
    "verzonden met ",
    "inviato da ",
    "inviato dal mio ",
    "sendt fra min ",
    "skickat från min ",
    "wysłane z ",
)

_VALEDICTIONS = frozenset(
    {
        "thanks",
        "thank you",
        "many thanks",
        "thanks again",
        "thanks a lot",
        "thx",
        "cheers",
        "best",
        "all the best",
        "best wishes",
        "regards",
        "best regards",
        "kind regards",
        "warm regards",
        "warmly",
        "sincerely",
        "yours",
        "take care",
        "saludos",
        "un saludo",
        "gracias",
        "muchas gracias",
        "atentamente",
        "cordialmente",
        "merci",
        "cordialement",
        "bien à vous",
        "bien cordialement",
        "grüße",
        "viele grüße",
        "beste grüße",
        "liebe grüße",
        "mit freundlichen grüßen",
        "danke",
        "lg",
        "vg",
        "mfg",
        "groeten",
        "met vriendelijke groet",
        "hartelijke groeten",
        "bedankt",
        "saluti",
        "cordiali saluti",
        "grazie",
        "obrigado",
        "obrigada",
        "abraços",
        "atenciosamente",
        "cumprimentos",
        "med venlig hilsen",
        "hilsen",
        "mvh",
        "med vänliga hälsningar",
        "hälsningar",
    }
)


@dataclass(frozen=True)
class _Sender:
    """What identifies the author in a closing block: name words and address."""

    name_words: tuple[str, ...]
    address: str | None

    @classmethod
    def of(cls, name: str | None, address: str | None) -> _Sender | None:
        words = tuple(_words(name or ""))
        if not words and address:
            local = address.partition("@")[0]
            words = tuple(w for w in _words(local.replace(".", " ").replace("_", " ")) if len(w) >= 3)[:1]
        if not words and not address:
            return None
        return cls(words, address.lower() if address else None)


def _words(text: str) -> list[str]:
    """Runs of letters, lowercased (a linear scan, no regular expression)."""
    words: list[str] = []
    current: list[str] = []
    for char in text.lower():
        if char.isalpha():
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _normalise(text: str) -> list[str]:
    text = text[:MAX_REPLY_CHARS]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for invisible in ("\x00", "\u200b", "\ufeff", "\u200e", "\u200f"):
        if invisible in text:
            text = text.replace(invisible, "")
    text = text.replace("\xa0", " ").replace("\u202f", " ")
    return [line.rstrip() for line in text.split("\n")]


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_blank(line: str) -> bool:
    return not line.strip()


def _is_rule(line: str) -> bool:
    """A line drawn only with -, _, =, * or ~ (at least two of them)."""
    stripped = line.strip()
    return len(stripped) >= 2 and not stripped.strip("-_=*~—– ")


def _is_underscore_rule(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= 8 and not stripped.strip("_ ")


def _is_placeholder(line: str) -> bool:
    """Gmail's "[image: logo.png]" stand-in for an inline image: an attachment, not text."""
    stripped = line.strip()
    return stripped.startswith("[image:") and stripped.endswith("]")


def _is_marker(line: str) -> bool:
    lowered = line.lower()
    return len(lowered) < 200 and any(marker in lowered for marker in _MARKERS)


def _is_signature_delimiter(line: str) -> bool:
    """ "-- " and, like github/email_reply_parser, any rule of dashes or underscores ("---", "__")."""
    stripped = line.strip()
    return len(stripped) >= 2 and not stripped.strip("-_") and len(stripped) < 200


def _is_separator(line: str) -> bool:
    """ "-----Original Message-----", "---------- Forwarded message ---------" and the like."""
    stripped = line.strip()
    if len(stripped) > 80:
        return False
    lowered = stripped.lower()
    if lowered in _FORWARD_BANNERS:
        return True
    if not stripped.startswith(("-", "_", "*", "=")) and not stripped.startswith("["):
        return False
    core = lowered.strip("-_*=[] ")
    return core in _SEPARATOR_PHRASES


def _header_label(line: str) -> str | None:
    """The label of a "From: …" style line (also "*From:*" and "From :"), lowercased."""
    stripped = line.strip().lstrip("*").lstrip()
    colon = stripped.find(":")
    if colon < 1 or colon > 24:
        colon = stripped.find("：")
        if colon < 1 or colon > 24:
            return None
    return stripped[:colon].strip(" *\t").lower()


def _header_block_at(lines: list[str], index: int) -> bool:
    """True when an Outlook-style header block (From:/Sent:/To:/Subject:) starts at `index`."""
    label = _header_label(lines[index])
    if label is None or (label not in _FROM_LABELS and label not in _OTHER_LABELS):
        return False
    if len(lines[index]) > _MAX_HEADER_LINE:
        return False
    labels = [label]
    from_value = lines[index] if label in _FROM_LABELS else ""
    for line in lines[index + 1 : index + 7]:
        if _is_blank(line) or _is_quoted(line):
            continue
        other = _header_label(line)
        if other in _FROM_LABELS:
            from_value = from_value or line
            labels.append(other)
        elif other in _OTHER_LABELS:
            labels.append(other)
        else:
            break
    if not any(item in _FROM_LABELS for item in labels):
        return False
    return len(labels) >= 3 or (len(labels) >= 2 and "@" in from_value)


def _attribution_end(lines: list[str], index: int) -> int:
    """Index of the last line of an attribution ("On … wrote:") starting at `index`, or -1."""
    first = lines[index].strip()
    if not first or len(first) > _MAX_HEADER_LINE:
        return -1
    first_word = _first_word(first)
    dated = first_word in _OPENERS or first[:1].isdigit() or _looks_like_weekday(first_word)
    joined = first
    for end in range(index, min(index + 3, len(lines))):
        if end > index:
            line = lines[end].strip()
            if not line or _is_quoted(line) or len(line) > _MAX_HEADER_LINE or not dated:
                return -1
            joined = f"{joined} {line}"
        if _ends_attribution(joined, dated, quoted_next=_next_is_quoted(lines, end)):
            return end
        if joined.endswith((".", "?", "!")):
            return -1
    return -1


def _first_word(line: str) -> str:
    return line.split(" ", 1)[0].strip(",.").lower()


def _looks_like_weekday(word: str) -> bool:
    return word[:3] in {
        "mon", "tue", "wed", "thu", "fri", "sat", "sun", "mån", "tis", "ons", "tor", "fre", "lör", "sön",
        "man", "tir", "lør", "søn", "lun", "mar", "mer", "jeu", "ven", "sam", "dim", "mié", "jue", "vie",
        "sáb", "dom", "seg", "ter", "qua", "qui", "sex", "maa", "din", "woe", "don", "vri", "zat", "zon",
        "mo.", "di.", "mi.", "do.", "fr.", "sa.", "so.",
    }  # fmt: skip


def _ends_attribution(joined: str, dated: bool, quoted_next: bool) -> bool:
    if not joined.endswith((":", "：")):
        return False
    lowered = joined.lower()
    has_verb = any(verb in lowered for verb in _WROTE)
    if has_verb and (dated or quoted_next or len(lowered.split()) <= 10):
        return True
    # Gmail in other languages: "2022年1月1日(金) 9:00 田中太郎 <taro@example.com>:", mail.ru "… от X <x@y>:"
    return quoted_next and "@" in lowered and any(char.isdigit() for char in lowered)


def _next_is_quoted(lines: list[str], index: int) -> bool:
    for line in lines[index + 1 : index + 6]:
        if not _is_blank(line):
            return _is_quoted(line)
    return False


def _is_mobile_signature(line: str) -> bool:
    stripped = line.strip().lstrip("-— ").strip()
    lowered = stripped.lower()
    if len(stripped) > 90 or ", " in stripped or (stripped.endswith(".") and "://" not in stripped):
        return False
    return lowered.startswith(_MOBILE_SIGNATURES) or (
        lowered.startswith("von meinem") and "gesendet" in lowered
    )


def _is_valediction(line: str) -> bool:
    return " ".join(_words(line)) in _VALEDICTIONS


def _names_sender(line: str, sender: _Sender) -> bool:
    """True for a line that is essentially the sender's name or address ("Gina X", "Noam", "#sig#john@…")."""
    lowered = line.lower()
    if len(lowered) > 72:
        return False
    if sender.address and sender.address in lowered:
        rest = _words(lowered.replace(sender.address, " "))
        return len(rest) <= 3
    words = _words(lowered)
    name = list(sender.name_words)
    if not name:
        return False
    if len(name) == 1 or words == name[:1]:
        return words == name[:1] or (len(name) == 1 and name[0] in words and len(words) <= 3)
    for start in range(len(words) - len(name) + 1):
        if words[start : start + len(name)] == name:
            return len(words) - len(name) <= 5
    return words[:1] == name[:1] and name[-1] in words and len(words) <= len(name) + 5


def _drop_sender_block(lines: list[str], sender: _Sender) -> list[str]:
    """Remove a short closing block that names the sender (a sign-off or a signature card)."""
    non_blank = [i for i, line in enumerate(lines) if not _is_blank(line)]
    if len(non_blank) < 2:
        return lines
    window = non_blank[-12:]
    for start in window:
        if start == non_blank[0]:
            continue
        at_paragraph = _is_blank(lines[start - 1]) or _is_rule(lines[start])
        if not at_paragraph:
            continue
        block = [line for line in lines[start:] if not _is_blank(line)]
        if any(len(line) > 72 for line in block):
            continue
        first = block[0]
        signed_with_address = bool(sender.address) and any(sender.address in line.lower() for line in block)
        opens_with_name = bool(set(_words(first)[:2]) & set(sender.name_words))
        if not (
            _is_rule(first)
            or _is_valediction(first)
            or _names_sender(first, sender)
            or (signed_with_address and opens_with_name)
        ):
            continue
        if any(_names_sender(line, sender) for line in block):
            return lines[:start]
    return lines


def _strip_tail(lines: list[str], sender: _Sender | None) -> list[str]:
    while True:
        while lines and _is_blank(lines[-1]):
            lines.pop()
        if lines and (_is_mobile_signature(lines[-1]) or _is_rule(lines[-1])):
            lines.pop()
            continue
        break
    # A lone "-Name" closing line ("-Abhishek Kona"), as github/email_reply_parser strips.
    if len(lines) >= 2 and _is_blank(lines[-2]):
        last = lines[-1].strip()
        if (
            last.startswith("-")
            and last[1:2].isalpha()
            and len(last.split()) <= 4
            and last[-1:] not in ".?!:"
        ):
            lines.pop()
    if sender is not None:
        lines = _drop_sender_block(lines, sender)
    while lines and _is_blank(lines[-1]):
        lines.pop()
    return lines


def trim_reply(text: str, *, sender_name: str | None = None, sender_address: str | None = None) -> str:
    """Return only the new part of a reply: quoted history, our marker and signatures removed.

    `sender_name`/`sender_address` (optional) let the trimmer recognise a closing block that names
    the author. Returns "" when nothing new is left (a reply that only quotes).
    """
    lines = _normalise(text)
    kept: list[str] = []
    has_content = False
    index = 0
    while index < len(lines):
        line = lines[index]
        if _is_quoted(line):
            index += 1
            continue
        if _is_blank(line):
            kept.append("")
            index += 1
            continue
        if _is_placeholder(line):
            index += 1
            continue
        if _is_marker(line) or _is_signature_delimiter(line) or _is_separator(line):
            break
        if _is_underscore_rule(line) or _header_block_at(lines, index):
            break
        end = _attribution_end(lines, index)
        if end >= 0:
            if _next_is_quoted(lines, end):
                index = end + 1  # bottom-posted or inline reply: skip the header, keep reading
                continue
            break
        kept.append(line)
        has_content = True
        index += 1
    if not has_content:
        return ""
    kept = _strip_tail(kept, _Sender.of(sender_name, sender_address))
    return _squeeze_blank_runs(kept)


def _squeeze_blank_runs(lines: list[str]) -> str:
    out: list[str] = []
    blanks = 0
    for line in lines:
        if _is_blank(line):
            blanks += 1
            if blanks > 2:
                continue
            out.append("")
        else:
            blanks = 0
            out.append(line)
    return "\n".join(out).strip("\n")

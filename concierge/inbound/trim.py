"""Cut a reply down to what its author wrote now: no quoted history, no signature.

The trimmer scans lines once, top to bottom, with plain string tests (no regular expression
runs over the message, so nothing can backtrack), and reads at most `MAX_REPLY_CHARS`.

Where it cuts, and why:
- our own marker line ("Reply above this line", and its translations);
- an attribution line ("On … wrote:" and its equivalents in many languages, also wrapped over
  up to three lines; in any language, a line ending in ":" that names an address and a date
  over a quote) — when the quote under it is `>`-marked the scan skips it and goes on, so
  bottom-posted and inline replies keep their new text;
- a header block (From:/Sent:/To:/Subject: in the languages listed, or, in any language, three
  "Label: value" lines whose first value is an address and another a date),
  "-----Original Message-----" and its translations, forwarded-message banners, banners that
  name an address ("-----"X" <x@y> wrote: -----", Notes' "Forwarded by"), underscore rules
  (Outlook, mailing-list footers; `html_to_text` also writes one where an HTML client starts
  its quote), and a rule right over a forum's "Previous Replies";
- a `-- ` signature delimiter.
`>`-quoted lines are dropped. Other rules ("---", "=====", "****") are the person's own unless
only a card or a slogan follows them. At the end of what is kept, it removes the lines mail apps
add ("Sent from my iPhone", "iPhoneから送信", "Get Outlook for Android", …), a lone `-Name` line,
disclaimers, and signature cards (a name and title over contact lines: addresses, phone
numbers, web addresses, "a | b" fields). A sign-off ("Thanks,\nAna") is part of the letter
and stays.
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
    "oprindelig besked",
    "oprindelig meddelelse",
    "opprinnelig melding",
    "originalmeddelande",
    "ursprungligt meddelande",
    "alkuperäinen viesti",
    "původní zpráva",
    "pôvodná správa",
    "eredeti üzenet",
    "orijinal mesaj",
    "özgün ileti",
    "исходное сообщение",
    "пересылаемое сообщение",
    "оригінальне повідомлення",
    "вихідне повідомлення",
    "αρχικό μήνυμα",
    "הודעה מקורית",
    "الرسالة الأصلية",
    "原始邮件",
    "原始郵件",
    "元のメッセージ",
    "원본 메시지",
    "wiadomość przekazana dalej",
    "videresendt melding",
    "vidarebefordrat meddelande",
    "välitetty viesti",
    "přeposlaná zpráva",
    "továbbított üzenet",
    "iletilen ileti",
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
    "videresendt besked:",
    "början av vidarebefordrat meddelande:",
    "alku välitetylle viestille:",
    "начало переадресованного сообщения:",
    "początek przekazywanej wiadomości:",
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


#: Characters that show nothing: zero-width ones, and the direction marks right-to-left clients
#: put around names and addresses ("\u202bבתאריך … <\u202areply+…\u202c>:\u202c").
_INVISIBLE = ("\x00", "\u200b", "\ufeff", "\u200e", "\u200f", "\u061c", *map(chr, range(0x202A, 0x202F)))
_INVISIBLE += tuple(map(chr, range(0x2066, 0x206A)))


def _normalise(text: str) -> list[str]:
    text = text[:MAX_REPLY_CHARS]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for invisible in _INVISIBLE:
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
    """ "-- " (RFC 3676's signature separator, with or without its space) and "—"; other rules
    ("---", "=====") may be the person's own and are judged at the end (`_strip_tail`)."""
    return line.strip() in ("--", "—", "– ", "–")


def _is_separator(line: str) -> bool:
    """ "-----Original Message-----", "---------- Forwarded message ---------" and the like.

    A banner drawn with dashes, underscores, stars or equal signs around a few words is history
    when the words are one of the known phrases, or name an address or say "wrote" or
    "forwarded by" (HCL Notes: "---- Forwarded by Name/Org on 11.11.2025 ----", "-----"X" <x@y>
    wrote: -----"), in any language; the same banner around other words is the person's own.
    """
    stripped = line.strip()
    if len(stripped) > 200:
        return False
    lowered = stripped.lower()
    if lowered in _FORWARD_BANNERS:
        return True
    if not stripped.startswith(("-", "_", "*", "=")) and not stripped.startswith("["):
        return False
    core = lowered.strip("-_*=[] ")
    if core in _SEPARATOR_PHRASES:
        return True
    banner = stripped.startswith(("---", "___", "***", "===")) and stripped.endswith(
        ("---", "___", "***", "===")
    )
    return banner and (
        "@" in core or any(word in core for word in ("wrote", "forwarded by", "weitergeleitet von"))
    )


def _header_label(line: str) -> str | None:
    """The label of a "From: …" style line (also "*From:*" and "From :"), lowercased."""
    stripped = line.strip().lstrip("*").lstrip()
    colon = stripped.find(":")
    if colon < 1 or colon > 24:
        colon = stripped.find("：")
        if colon < 1 or colon > 24:
            return None
    return stripped[:colon].strip(" *\t").lower()


def _header_value(line: str) -> str:
    stripped = line.strip().lstrip("*").lstrip()
    colon = stripped.find(":") if 0 < stripped.find(":") <= 24 else stripped.find("：")
    return stripped[colon + 1 :].strip(" *") if colon > 0 else ""


def _looks_like_label(label: str) -> bool:
    """A header's label in any language: one to three words of letters, no sentence."""
    words = label.split()
    return (
        1 <= len(words) <= 3
        and all(any(char.isalpha() for char in word) for word in words)
        and not any(char.isdigit() for char in label)
    )


def _header_block_at(lines: list[str], index: int) -> bool:
    """True when an Outlook-style header block (From:/Sent:/To:/Subject:) starts at `index`.

    Known labels decide in the languages listed; in any other language, three or more lines of
    "Label: value" whose first value is an address (a name and `<address>`) and another holds a
    date or time are a header block too: that is the shape every mail client writes.
    """
    label = _header_label(lines[index])
    if label is None or len(lines[index]) > _MAX_HEADER_LINE:
        return False
    known = label in _FROM_LABELS or label in _OTHER_LABELS
    if not known and not _looks_like_label(label):
        return False
    labels = [label]
    values = [_header_value(lines[index])]
    from_value = lines[index] if label in _FROM_LABELS else ""
    for line in lines[index + 1 : index + 7]:
        if _is_blank(line) or _is_quoted(line):
            continue
        other = _header_label(line)
        if other is None or len(line) > _MAX_HEADER_LINE:
            break
        if other in _FROM_LABELS:
            from_value = from_value or line
        elif other not in _OTHER_LABELS and not _looks_like_label(other):
            break
        labels.append(other)
        values.append(_header_value(line))
    if any(item in _FROM_LABELS for item in labels):
        if len([item for item in labels if item in _FROM_LABELS or item in _OTHER_LABELS]) >= 3:
            return True
        if len(labels) >= 2 and "@" in from_value:
            return True
    addressed = "@" in values[0]
    dated = any(any(char.isdigit() for char in value) for value in values[1:])
    return len(labels) >= 3 and addressed and dated


def _attribution_end(lines: list[str], index: int) -> int:
    """Index of the last line of an attribution ("On … wrote:") starting at `index`, or -1."""
    first = lines[index].strip()
    if not first or len(first) > _MAX_HEADER_LINE:
        return -1
    first_word = _first_word(first)
    dated = first_word in _OPENERS or first[:1].isdigit() or _looks_like_weekday(first_word)
    # A client may wrap its attribution over lines: it then holds the writer's address or a date
    # ("… <a@b.example> escreveu no dia segunda,\n3/11/2025 à(s) 10:15:"), in any language.
    may_wrap = dated or "@" in first or any(char.isdigit() for char in first)
    joined = first
    for end in range(index, min(index + 3, len(lines))):
        if end > index:
            line = lines[end].strip()
            if not line or _is_quoted(line) or len(line) > _MAX_HEADER_LINE or not may_wrap:
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


#: Words of the lines mail apps add under a message ("Sent from my iPhone", "iPhoneから送信",
#: "Get Outlook for Android"): a device or app, and a verb of sending or getting.
_DEVICE_WORDS = (
    "iphone", "ipad", "android", "galaxy", "blackberry", "outlook", "samsung", "huawei", "xiaomi",
    "pixel", "mobile", "smartphone", "handy", "yahoo", "aol", "gmail", "proton", "tablet", "ios",
    "móvil", "movil", "celular", "telefon", "portable", "cellulare", "mail for windows", "fairemail",
    "spark", "bluemail", "airmail", "k-9", "verizon",
)  # fmt: skip
_SENDING_WORDS = (
    "sent", "send", "get ", "download", "via ", "from my", "gesendet", "herunterladen", "envoyé",
    "télécharger", "enviado", "descargar", "baixe", "inviato", "scarica", "verzonden", "verstuurd",
    "sendt", "skickat", "lähetetty", "wysłane", "wysłano", "odesláno", "odoslané", "отправлено",
    "надіслано", "στάλθηκε", "נשלח", "أرسلت", "تم الإرسال", "küldve", "küldte", "gönderildi",
    "送信", "发自", "發自", "보냄", "보낸",
)  # fmt: skip


#: "Sent from my <device>" in the languages where the phrase names the device last.
_SENT_FROM_MY = (
    "sent from my ",
    "von meinem ",
    "envoyé de mon ",
    "envoyé depuis mon ",
    "enviado desde mi ",
    "enviado do meu ",
    "enviado de meu ",
    "inviato da ",
    "inviato dal mio ",
    "verzonden vanaf mijn ",
    "verstuurd vanaf mijn ",
    "sendt fra min ",
    "skickat från min ",
    "wysłane z ",
)


#: How the lines apps add begin, a full stop after them or not.
_APP_LINE_STARTS = (*_SENT_FROM_MY, "sent with ", "sent via ", "gesendet von ", "get outlook", "envoyé avec ")


def _is_excuse(text: str) -> bool:
    """The apology a phone line carries after it ("Sent from my iPhone. Please excuse typos.")."""
    said = text.strip(" .!")
    return (
        said.startswith(("please excuse", "please forgive", "excuse", "pardon", "forgive", "sorry for"))
        and any(word in said for word in ("typo", "brevity", "error", "mistake", "autocorrect"))
        and len(said.split()) <= 6
    )


def _is_mobile_signature(line: str) -> bool:
    """A line a mail app adds under the message: a device or app and a verb of sending or getting,
    in any of the languages above, with no sentence of the person's around it."""
    stripped = line.strip().lstrip("-— ").strip()
    lowered = stripped.lower()
    if not stripped or len(stripped) > 120 or len(stripped.split()) > 9 or lowered.endswith(("?", "!")):
        return False
    text = lowered.split("<http", 1)[0]  # Outlook mobile links its name: "Get Outlook for iOS<https://…>"
    first, _, excuse = text.partition(". ")
    if excuse and _is_excuse(excuse):  # "Sent from my iPhone. Please excuse typos."
        text = first
    # A full stop ends a person's sentence ("I sent it from my mobile."), not an app's own line
    # ("Von meinem Samsung Galaxy Smartphone gesendet.", "Sent with Proton Mail secure email.").
    if text.endswith(".") and "://" not in text and not text.startswith(_APP_LINE_STARTS):
        return False
    if text.startswith(_SENT_FROM_MY) and ", " not in text:
        return True  # "Sent from my iMachine": whatever the device
    return any(word in text for word in _DEVICE_WORDS) and any(word in text for word in _SENDING_WORDS)


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


#: How a disclaimer or a company's legal footer opens: from there on, nothing is the person's.
_DISCLAIMERS = (
    "confidentiality notice",
    "confidential:",
    "disclaimer",
    "this e-mail and any attachments",
    "this email and any attachments",
    "this email and any files",
    "this e-mail and any files",
    "this message and any attachments",
    "the information contained in this",
    "this email is confidential",
    "this e-mail is confidential",
    "notice: this communication",
    "notice: this e-mail",
    "notice: this email",
    "diese e-mail enthält vertrauliche",
    "diese nachricht enthält vertrauliche",
    "ce message et ses pièces jointes",
    "ce courriel et ses pièces jointes",
    "este mensaje y sus anexos",
    "este correo electrónico y sus anexos",
    "questo messaggio e i suoi allegati",
    "deze e-mail en eventuele bijlagen",
    "geschäftsführer:",
    "registered office:",
    "registered in england",
)
#: Openings a person might also write: a disclaimer or a note on working hours only with one of
#: `_DISCLAIMER_MARKS` in the paragraph ("This message is confidential between us: …" is the person's).
_MAYBE_DISCLAIMERS = (
    "this message is confidential",
    "this communication is confidential",
    "my working hours may not be",
    "my working hours are not",
    "i work flexibly",
    "i send emails outside",
)
_DISCLAIMER_MARKS = (
    "intended recipient",
    "intended only",
    "intended solely",
    "obliged",
    "expect a reply",
    "expect a response",
    "outside of your",
    "outside your",
)


def _is_contact_line(line: str) -> bool:
    """A line of a signature card: "a | b" fields, or mostly an address, a web address or a phone
    number ("Phone: +49 40 1234 5678", "gina@example.com"); not a sentence that holds a link."""
    if " | " in line or "\t|" in line:
        return True
    words = line.split()
    rest = [
        word
        for word in words
        if not ("@" in word or "://" in word or word.lower().startswith("www.") or _is_phone_part(word))
    ]
    return len(rest) < len(words) and len(rest) <= 2


def _is_phone_part(word: str) -> bool:
    digits = sum(char.isdigit() for char in word)
    return digits >= 2 and all(char.isdigit() or char in "+()-./" for char in word)


def _paragraphs(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) indexes of the runs of non-blank lines."""
    found: list[tuple[int, int]] = []
    start = None
    for index, line in enumerate(lines):
        if _is_blank(line):
            if start is not None:
                found.append((start, index - 1))
                start = None
        elif start is None:
            start = index
    if start is not None:
        found.append((start, len(lines) - 1))
    return found


def _is_prose(line: str) -> bool:
    """A sentence the person wrote (not a name, a title or a field of a card)."""
    stripped = line.strip()
    return len(stripped.split()) >= 5 and stripped.endswith((".", "?", "!", ":", ";", ","))


#: Titles written with a name on a card's first line ("Prof. Elena Petrova").
_NAME_TITLES = frozenset({"prof", "dr", "mr", "mrs", "ms", "mx", "sir", "dame", "phd", "md", "jr", "sr"})


def _only_the_name(line: str, sender: _Sender | None) -> bool:
    """The line is the sender's name, perhaps with a title, and nothing else ("Ana Lima", "Prof.
    Ana Lima"; not "Will do, thanks" from a Will)."""
    words = _words(line)
    return (
        sender is not None
        and len(line.strip()) <= 40
        and 1 <= len(words) <= 4
        and any(word in sender.name_words for word in words)
        and all(word in sender.name_words or word in _NAME_TITLES for word in words)
    )


def _a_title_line(line: str) -> bool:
    """A short capitalised line a card holds under a name (a title, a department, office hours),
    not the sender's words: no question, no PS, no clock time ("Tuesday 3pm ET")."""
    stripped = line.strip()
    lowered = stripped.lower()
    clock = any(
        char.isdigit() and (lowered[at + 1 : at + 3] in ("am", "pm") or lowered[at + 1 : at + 2] == ":")
        for at, char in enumerate(lowered)
    )
    return (
        len(stripped) <= 60
        and not stripped[:1].islower()
        and "?" not in stripped
        and not lowered.replace(".", "").startswith(("ps ", "ps:", "ps,"))
        and not clock
    )


def _drop_signature_cards(lines: list[str], sender: _Sender | None) -> list[str]:
    """Remove what a mail program or a company appends under a message: a disclaimer, and
    signature cards (a name and title over contact lines), however many paragraphs they take.

    A sign-off ("Thanks,\nAna", "Best regards,\nDr. Miriam Hoffmann") is the person's own and
    stays, also when a card follows it in the same paragraph; so does anything after it that
    is prose (a "PS: …").
    """
    paragraphs = _paragraphs(lines)
    if len(paragraphs) < 2:
        return lines
    cut = len(lines)
    for first, last in reversed(paragraphs[1:]):
        block = lines[first : last + 1]
        lowered = block[0].strip().lower().lstrip("*_ ")
        if lowered.startswith(_DISCLAIMERS) or (
            lowered.startswith(_MAYBE_DISCLAIMERS)
            and any(mark in " ".join(block).lower() for mark in _DISCLAIMER_MARKS)
        ):
            cut = first
            continue
        # (A card's field can end like a sentence: "VP Product | Fabrikam Inc.")
        if any(len(line.strip()) > 100 or (_is_prose(line) and not _is_contact_line(line)) for line in block):
            break
        contact = any(_is_contact_line(line) for line in block)
        names = sender is not None and _names_sender(block[0], sender)
        device = _is_mobile_signature(block[-1])
        if _is_valediction(block[0]):
            if contact or (device and len(block) > 2):
                keep = first + 1 + (len(block) > 1 and not _is_contact_line(block[1]))
                cut = keep
            break
        over_card = names and len(block) >= 2 and cut < len(lines)
        # The sender's own name over a few short lines of title, place or hours ("Prof. Elena
        # Petrova\nDepartment of Economics\nOffice hours: Mon-Fri 9-5"): a card without a contact line.
        titled = (
            names
            and 2 <= len(block) <= 6
            and _only_the_name(block[0], sender)
            and all(_a_title_line(line) for line in block[1:])
        )
        if contact or over_card or titled or (device and (len(block) == 1 or names)):
            cut = first  # a card, the name and title over a card, or "Name\nvia mobile"
            continue
        break
    return lines[:cut]


#: Headings that forums and ticket systems put under a rule over the conversation they quote.
_HISTORY_HEADINGS = frozenset(
    {
        "previous replies",
        "previous discussion",
        "previous messages",
        "earlier messages",
        "conversation history",
        "vorherige antworten",
        "vorherige diskussion",
        "réponses précédentes",
        "respuestas anteriores",
        "respostas anteriores",
        "risposte precedenti",
        "eerdere antwoorden",
    }
)


def _history_heading_after(lines: list[str], index: int) -> bool:
    """True when the first line after the rule at `index` is a quoted conversation's heading."""
    for line in lines[index + 1 : index + 3]:
        if not _is_blank(line):
            return " ".join(_words(line)) in _HISTORY_HEADINGS
    return False


def _is_setext_underline(lines: list[str], index: int) -> bool:
    """ "Agenda\n======": a heading's underline, right under its text."""
    return index > 0 and not _is_blank(lines[index - 1]) and lines[index].strip()[:1] in "=-"


def _strip_tail(lines: list[str], sender: _Sender | None) -> list[str]:
    while True:
        while lines and _is_blank(lines[-1]):
            lines.pop()
        if lines and _is_rule(lines[-1]):
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
    lines = _drop_signature_cards(lines, sender)
    lines = _drop_trailing_rule_block(lines)
    while True:
        while lines and _is_blank(lines[-1]):
            lines.pop()
        if lines and (_is_mobile_signature(lines[-1]) or _is_rule(lines[-1])):
            lines.pop()
            continue
        return lines


def _drop_trailing_rule_block(lines: list[str]) -> list[str]:
    """A rule ("---", "=====", "****") followed only by a few short lines that are no sentence of
    the person's (a logo's name, a slogan, a card) closes the message: cut from the rule. A rule
    with the person's own paragraphs after it is part of their text."""
    for index in range(len(lines) - 1, max(-1, len(lines) - 16), -1):
        if not _is_rule(lines[index]) or _is_setext_underline(lines, index):
            continue
        after = [line for line in lines[index + 1 :] if not _is_blank(line)]
        if after and len(after) <= 10 and not any(_is_prose(line) or _is_valediction(line) for line in after):
            return lines[:index]
        return lines
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
        if _is_rule(line):
            if _history_heading_after(lines, index):
                break
            kept.append(line)  # the person's own ("---" between paragraphs), unless the tail says not
            index += 1
            continue
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

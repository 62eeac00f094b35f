"""Quote and signature trimming, per mail client and language; HTML conversion; bounded work."""

from __future__ import annotations

from pathlib import Path

import pytest

from concierge.inbound import html_to_text, trim_reply, understand
from tests.inbound.helpers import deadline, raw_mail

REPLY = "Tuesday at 3pm works for me."

QUOTE = "> Could we meet next week?\n> Maria"

TRIM_CASES = [
    ("gmail", f"{REPLY}\n\nOn Mon, Jun 3, 2024 at 10:00 AM Ana Mentor <ana@example.org> wrote:\n\n{QUOTE}\n"),
    (
        "gmail_wrapped",
        f"{REPLY}\n\nOn Mon, Jun 3, 2024 at 10:00 AM Ana Mentor <\nana@example.org> wrote:\n{QUOTE}",
    ),
    ("apple_mail", f"{REPLY}\n\n> On 3 Jun 2024, at 10:00, Ana Mentor <ana@example.org> wrote:\n>\n{QUOTE}"),
    (
        "apple_wrapped_3_lines",
        f"{REPLY}\n\nOn Jun 3, 2024, at 10:00 AM, Ana Mentor\n<ana@example.org>\nwrote:\n\n{QUOTE}",
    ),
    (
        "ios",
        f"{REPLY}\n\nSent from my iPhone\n\n> On Jun 3, 2024, at 10:00, Ana <ana@x.org> wrote:\n{QUOTE}",
    ),
    (
        "android",
        f"{REPLY}\n\nGet Outlook for Android\n\nOn Mon, 3 Jun 2024, 10:00 Ana, <ana@example.org> wrote:\n",
    ),
    ("thunderbird", f"{REPLY}\n\nOn 03/06/2024 10:00, Ana Mentor wrote:\n{QUOTE}"),
    (
        "yahoo",
        f"{REPLY}\n\nOn Monday, June 3, 2024, 10:00:00 AM EDT, Ana <ana@example.org> wrote:\n\n{QUOTE}",
    ),
    (
        "outlook_block",
        f"{REPLY}\n\nFrom: Ana Mentor <ana@example.org>\nSent: Monday, June 3, 2024 10:00 AM\n"
        "To: Maria\nSubject: RE: Session\n\nCould we meet next week?",
    ),
    (
        "outlook_starred",
        f"{REPLY}\n\n*From:* Ana Mentor [mailto:ana@example.org]\n*Sent:* Monday, June 3, 2024\n"
        "*To:* maria@example.org\n*Subject:* Session\n\nCould we meet?",
    ),
    ("outlook_original_message", f"{REPLY}\n\n-----Original Message-----\nFrom: Ana\nCould we meet?"),
    (
        "exchange_rule",
        f"{REPLY}\n________________________________\nFrom: Ana Mentor\nSent: Monday\nTo: Maria\n",
    ),
    ("forwarded_banner", f"{REPLY}\n\n---------- Forwarded message ---------\nFrom: Ana <ana@example.org>"),
    ("signature_dashes", f"{REPLY}\n\n-- \nMaria Mentee\nProduct designer"),
    ("our_marker_dashes", f"{REPLY}\n\n-- Reply above this line --\n\nHi Maria, Ana proposed Tuesday."),
    ("our_marker_hashes", f"{REPLY}\n## Reply above this line ##\nHi Maria"),
    (
        "our_marker_quoted_below",
        f"{REPLY}\n\nOn Mon, Jun 3, 2024 Concierge <x@reply.example> wrote:\n"
        "> ## Reply above this line ##\n> Hi Maria",
    ),
    ("spanish", f"{REPLY}\n\nEl lun, 3 jun 2024 a las 10:00, Ana (<ana@example.org>) escribió:\n\n{QUOTE}"),
    (
        "spanish_outlook",
        f"{REPLY}\n\nDe: Ana Mentor <ana@example.org>\nEnviado: lunes, 3 de junio de 2024 10:00\n"
        "Para: Maria\nAsunto: Sesión\n\n¿Nos vemos?",
    ),
    ("french", f"{REPLY}\n\nLe lun. 3 juin 2024 à 10:00, Ana <ana@example.org> a écrit :\n\n{QUOTE}"),
    (
        "french_outlook",
        f"{REPLY}\n\nDe : Ana Mentor <ana@example.org>\nEnvoyé : lundi 3 juin 2024 10:00\n"
        "À : Maria\nObjet : Séance\n",
    ),
    ("german", f"{REPLY}\n\nAm Mo., 3. Juni 2024 um 10:00 Uhr schrieb Ana <ana@example.org>:\n\n{QUOTE}"),
    (
        "german_wrapped",
        f"{REPLY}\n\nAm Mo., 3. Juni 2024 um 10:00 Uhr schrieb Ana Mentor <\nana@example.org>:\n",
    ),
    (
        "german_outlook",
        f"{REPLY}\n\nVon: Ana Mentor <ana@example.org>\nGesendet: Montag, 3. Juni 2024 10:00\n"
        "An: Maria\nBetreff: Termin\n",
    ),
    (
        "portuguese",
        f"{REPLY}\n\nEm seg., 3 de jun. de 2024 às 10:00, Ana <ana@example.org> escreveu:\n\n{QUOTE}",
    ),
    ("dutch", f"{REPLY}\n\nOp ma 3 jun 2024 om 10:00 schreef Ana <ana@example.org>:\n\n{QUOTE}"),
    (
        "dutch_outlook",
        f"{REPLY}\n\nVan: Ana Mentor <ana@example.org>\nVerzonden: maandag 3 juni 2024 10:00\n"
        "Aan: Maria\nOnderwerp: Afspraak\n",
    ),
    (
        "italian",
        f"{REPLY}\n\nIl giorno lun 3 giu 2024 alle ore 10:00 Ana <ana@example.org> ha scritto:\n\n{QUOTE}",
    ),
    ("swedish", f"{REPLY}\n\nmån 3 juni 2024 kl. 10:00 skrev Ana <ana@example.org>:\n\n{QUOTE}"),
    ("sent_from_es", f"{REPLY}\n\nEnviado desde mi iPhone"),
    ("sent_from_fr", f"{REPLY}\n\nEnvoyé de mon iPhone"),
    ("sent_from_de", f"{REPLY}\n\nVon meinem iPhone gesendet"),
    ("sent_from_pt", f"{REPLY}\n\nEnviado do meu iPhone"),
    ("sent_from_nl", f"{REPLY}\n\nVerzonden vanaf mijn iPhone"),
    ("sent_from_it", f"{REPLY}\n\nInviato da iPhone"),
    ("gmail_image_placeholder", f"{REPLY}\n\n[image: logo.png]"),
]


@pytest.mark.parametrize(("client", "body"), TRIM_CASES, ids=[case[0] for case in TRIM_CASES])
def test_trim_keeps_only_the_new_text(client: str, body: str) -> None:
    assert trim_reply(body) == REPLY


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Here is another email\n\nSent from my desk, is much easier than my mobile phone.", None),
        ("And here is a fix -- this is not a signature.\n\nkthxbai", None),
        ("Agenda:\n\n- goals\n- next steps\n   - a nested point", None),
        ("Thanks,\nAna", None),  # a sign-off without the sender's name stays
        ("I will be there.\n\nThanks,\nMaria", None),  # and with it: the sign-off is part of the letter
        (
            "I will be there.\n\nThanks,\nMaria\nmaria@example.org | +1 555 0100",
            "I will be there.\n\nThanks,\nMaria",
        ),
        ("Yes.\n\nMaria\n\nSent from my iPhone", "Yes.\n\nMaria"),
        ("Yes.\n\nMaria Mentee\nvia mobile", "Yes."),  # a name over a device line is a signature
        ("I will be there.\n\nMaria Mentee\nProduct designer, Acme\n+1 555 0100", "I will be there."),
        ("Sure thing.\n\n-Maria", "Sure thing."),
        # a card whose field ends like a sentence ("VP Product | Fabrikam Inc.", from an end-to-end audit)
        (
            "Please cancel the 22nd.\n\nThanks,\nMaria\n\nMaria Mentee\nVP Product | Fabrikam Inc.\n"
            "tel: 312-555-0123\nwww.fabrikam.example",
            "Please cancel the 22nd.\n\nThanks,\nMaria",
        ),
        # the sender's name over short lines of title, place and hours, no contact line
        (
            "Thanks!\n\nProf. Maria Mentee\nDepartment of Economics\nOffice hours: Mon-Fri 9-5\n"
            "Room 3.14, Main Building",
            "Thanks!",
        ),
        # a sentence after the name stays
        ("Tuesday works.\n\nMaria Mentee\nwill bring the slides.", None),
        ("Tuesday works.\n\nMaria\nCan we do 4pm?", None),  # so does a question,
        ("Tuesday at 3 works.\n\nMaria\nP.S. Running 10 min late", None),  # a PS,
        ("Great.\n\nMaria Mentee\nTuesday 3pm ET\nZoom", None),  # and a time
        ("Yes.\n\nThis message is confidential between us: I'm thinking of leaving my job.", None),
        (
            "Got it.\n\nMaria Mentee\nPeople Partner, Example Inc.\n\nMy working hours may not be your "
            "working hours. Please do not feel obliged to reply outside of your normal working hours.",
            "Got it.",
        ),
    ],
)
def test_signatures_are_cut_only_when_they_are_signatures(body: str, expected: str | None) -> None:
    assert trim_reply(body, sender_name="Maria Mentee", sender_address="maria@example.org") == (
        expected or body
    )


def test_a_bottom_posted_reply_keeps_the_text_under_the_quote() -> None:
    body = f"On Mon, Jun 3, 2024 at 10:00 AM Ana <ana@example.org> wrote:\n{QUOTE}\n\n{REPLY}\n"
    assert trim_reply(body) == REPLY


def test_an_inline_reply_keeps_every_new_paragraph_and_drops_the_quotes() -> None:
    body = "> Can you do Tuesday?\nYes, at 3pm.\n\n> And the agenda?\nGoals for the quarter."
    assert trim_reply(body) == "Yes, at 3pm.\n\nGoals for the quarter."


@pytest.mark.parametrize(
    "body",
    [
        "",
        "\n\n",
        f"On Mon, Jun 3, 2024 at 10:00 AM Ana <ana@example.org> wrote:\n{QUOTE}",
        "-- Reply above this line --\nHi Maria",
        "From: Ana <ana@example.org>\nSent: Monday\nTo: Maria\nSubject: Hi\n\nQuoted only",
    ],
)
def test_a_reply_that_only_quotes_is_nothing_new(body: str) -> None:
    assert trim_reply(body) == ""


def test_a_quote_only_reply_is_a_reply_with_nothing_new() -> None:
    parsed = understand(raw_mail(f"On Mon, Jun 3, 2024 Ana <ana@example.org> wrote:\n{QUOTE}\n"))
    assert (parsed.kind, parsed.reason, parsed.text) == ("reply", "nothing_new", "")


def test_only_the_first_20000_characters_are_read() -> None:
    body = "word " * 10_000 + "\nTAIL"
    assert "TAIL" not in trim_reply(body)


HTML_GMAIL = (
    '<div dir="ltr">Tuesday at 3pm works for me.</div><br><div class="gmail_quote">'
    '<div class="gmail_attr">On Mon, Jun 3, 2024 at 10:00 AM Ana &lt;ana@example.org&gt; wrote:<br></div>'
    "<blockquote>Could we meet next week?</blockquote></div>"
)
HTML_OUTLOOK = (
    "<div>Tuesday at 3pm works for me.</div><div id='appendonsend'></div><hr>"
    "<div id='divRplyFwdMsg'><b>From:</b> Ana<br><b>Sent:</b> Monday<br><b>To:</b> Maria</div>"
    "<div>Could we meet next week?</div>"
)


@pytest.mark.parametrize("html", [HTML_GMAIL, HTML_OUTLOOK], ids=["gmail", "outlook_divRplyFwdMsg"])
def test_html_only_mail_is_converted_then_trimmed(html: str) -> None:
    parsed = understand(raw_mail(html, content_type="text/html; charset=utf-8"))
    assert parsed.text == REPLY
    assert "Tuesday" in parsed.body_text


def test_html_to_text_keeps_structure() -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>Hello&nbsp;<b>there</b></p>"
        "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol><blockquote>quoted</blockquote>"
        "<p>line<br>break</p><script>alert(1)</script></body></html>"
    )
    assert html_to_text(html) == "Hello there\n\n- one\n- two\n\n1. first\n\n> quoted\n\nline\nbreak"


def test_html_to_text_survives_broken_markup() -> None:
    assert html_to_text("<div><p>unclosed <b>bold <i>and <blockquote>deep") == "unclosed bold and\n\n> deep"
    assert html_to_text("<<<>>>&#xffffff;&bogus;") is not None


def _github_fixture(name: str) -> Path | None:
    corpus = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
    path = corpus / "github_email_reply_parser" / "emails" / name
    return path if path.is_file() else None


@pytest.mark.parametrize("name", ["pathological.txt", "email_long_quote.txt"])
def test_pathological_bodies_finish_under_a_guard(name: str) -> None:
    path = _github_fixture(name)
    if path is None:
        pytest.skip(f"corpus fixture {name} not found beside the repository")
    body = path.read_bytes()
    with deadline(30):
        trim_reply(body.decode("utf-8", errors="replace"))
        parsed = understand(raw_mail(body))
    assert parsed.kind == "reply"


def test_adversarial_lines_finish_under_a_guard() -> None:
    nasty = [
        "On " * 20_000 + "wrote",
        ("From: x\n" * 5_000),
        "> " * 50_000,
        ("a" * 50_000 + "\n") * 5,
        "-" * 100_000,
        "On Mon,\n" * 20_000,
    ]
    with deadline(30):
        for body in nasty:
            trim_reply(body)
            understand(raw_mail(body))
            html_to_text("<div>" * 20_000 + body[:1000])


@pytest.mark.parametrize(
    "footer",
    [
        "Von meinem Samsung Galaxy Smartphone gesendet.",
        "Sent with Proton Mail secure email.",
        "Sent from my iPhone. Please excuse typos.",
    ],
)
def test_an_apps_line_with_a_full_stop_or_an_apology_is_cut(footer):
    assert trim_reply(f"Tuesday 3pm works!\n\n{footer}") == "Tuesday 3pm works!"


def test_a_persons_sentence_about_their_phone_is_kept():
    assert (
        trim_reply("Tuesday 3pm works!\nI sent it from my mobile.")
        == "Tuesday 3pm works!\nI sent it from my mobile."
    )


def test_html_cut_at_its_length_limit_leaves_no_piece_of_a_tag() -> None:
    from concierge.inbound.htmltext import MAX_HTML_CHARS

    html = "<p>Thursday at 2pm?</p>" + "<div>x</div>" * (MAX_HTML_CHARS // 12)
    assert len(html) > MAX_HTML_CHARS and html[:MAX_HTML_CHARS].rfind("<") > html[:MAX_HTML_CHARS].rfind(">")
    text = html_to_text(html)
    assert text.startswith("Thursday at 2pm?") and "<" not in text

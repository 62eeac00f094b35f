"""The first loop end to end (issue 3): import → pair → mail out → a reply in → goals → login → export.

Real parts throughout: the CLI in-process, the database of the run (SQLite or PostgreSQL),
Redis, a burst worker, and an SMTP server on loopback that receives what is sent.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import select

from concierge import create_app
from concierge.db import session_scope
from concierge.models import Enrolment, InboundMessage, Person
from tests.mail import gmail_reply
from tests.web import follow_login_link

PEOPLE = (
    "email,name,role,timezone,topics,goals,capacity\n"
    "maya@example.org,Maya Lin,mentor,America/New_York,leadership;career,,2\n"
    "ana@example.org,Ana Ruiz,mentee,Europe/Madrid,leadership,,\n"
)


def test_first_loop(settings, cli, smtp, work, tmp_path: Path):
    program = cli(
        "program",
        "create",
        "--name",
        "Women in Tech",
        "--format",
        "formal",
        "--start",
        "2026-09-01",
        "--end",
        "2027-03-01",
        "--coordinator",
        "lead@example.org",
    ).last_line
    (tmp_path / "people.csv").write_text(PEOPLE)
    assert cli("import", program, str(tmp_path / "people.csv")).code == 0
    pair = cli("pair", program, "--mentor", "maya@example.org", "--mentee", "ana@example.org")
    assert pair.code == 0
    mentorship_id = int(pair.last_line)

    work()
    sent = smtp.parsed()
    by_recipient: dict[str, list] = {}
    for msg in sent:
        by_recipient.setdefault(msg["To"], []).append(msg)
    subjects = {to: [m["Subject"] for m in msgs] for to, msgs in by_recipient.items()}
    assert subjects == {
        "maya@example.org": ["Welcome to Women in Tech", "Ana Ruiz & Maya Lin: Women in Tech"],
        "ana@example.org": ["Welcome to Women in Tech", "Ana Ruiz & Maya Lin: Women in Tech"],
    }
    intro_to_ana = by_recipient["ana@example.org"][1].get_body(("plain",)).get_content()
    assert "maya@example.org" in intro_to_ana and "Maya Lin" in intro_to_ana
    intro_to_maya = by_recipient["maya@example.org"][1].get_body(("plain",)).get_content()
    assert "ana@example.org" in intro_to_maya

    welcome = by_recipient["ana@example.org"][0]
    reply = gmail_reply(
        sender="ana@example.org",
        to=welcome["Reply-To"],
        subject=f"Re: {welcome['Subject']}",
        body="I want to lead my team's next launch and get better at giving feedback.",
        quoted=welcome.get_body(("plain",)).get_content(),
        in_reply_to=welcome["Message-ID"],
    )
    inbound = cli("inbound", "-", "--recipient", welcome["Reply-To"], input=reply)
    assert inbound.code == 0, inbound
    line = json.loads(inbound.stdout)
    assert line["status"] == "pending" and line["duplicate"] is False
    work()
    with session_scope(settings) as s:
        stored = s.get(InboundMessage, line["id"])
        assert (stored.status, stored.kind, stored.reason) == ("processed", "reply", None)
        ana = s.scalar(select(Person).where(Person.email == "ana@example.org"))
        goals = s.scalar(select(Enrolment.goals).where(Enrolment.person_id == ana.id))
    assert goals == "I want to lead my team's next launch and get better at giving feedback."
    assert "wrote:" not in goals and "Reply above this line" not in goals
    thanks = smtp.parsed()[-1]
    assert thanks["To"] == "ana@example.org" and thanks["In-Reply-To"] == "<CAGmail-0001@mail.gmail.com>"
    assert thanks["Auto-Submitted"] == "auto-replied"

    link = cli("login-link", "lead@example.org")
    assert link.code == 0 and link.last_line.startswith("http://concierge.test/login/")
    client = create_app(settings).test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    assert client.get("/programs/women-in-tech/mentorships.csv").status_code == 302
    login = follow_login_link(client, link.last_line, settings.base_url)
    assert login.status_code == 302 and login.headers["Location"].endswith("/")
    page = client.get("/programs/women-in-tech")
    assert page.status_code == 200 and "Ana Ruiz" in page.get_data(as_text=True)
    export = client.get("/programs/women-in-tech/mentorships.csv")
    assert export.status_code == 200
    [row] = list(csv.DictReader(io.StringIO(export.get_data(as_text=True), newline="")))
    assert row["mentorship_id"] == str(mentorship_id)
    assert (row["program"], row["format"], row["state"]) == ("women-in-tech", "formal", "introduced")
    assert (row["mentor_emails"], row["mentee_emails"]) == ("maya@example.org", "ana@example.org")
    assert (row["meetings_scheduled"], row["meetings_held"], row["action_items_open"]) == ("0", "0", "0")
    assert (row["next_meeting_at"], row["reflections_received"], row["mentee_would_mentor"]) == ("", "0", "")

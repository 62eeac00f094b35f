"""Propose → confirm by plain reply, end to end: raw email in, the question, the invites out."""

from __future__ import annotations

from sqlalchemy import select

from concierge.db import session_scope
from concierge.models import Meeting, Mentorship
from tests.scheduling.helpers import NOW, last_outbound_id, pair_in_zones, reply, sent_since, to


def test_a_mentee_proposes_and_the_mentor_confirms_both_get_an_invite(settings, work):
    pair = pair_in_zones(settings, work)
    mentee, mentor = "ana@example.org", "maya@example.org"
    before = last_outbound_id(settings)
    result = reply(settings, pair["mentee_intro"], "Could we meet next Tuesday at 3pm?")
    assert result.status == "processed" and result.reason is None
    assert result.intents == [
        {
            "type": "propose",
            "options": [{"start": "2026-12-08T20:00:00Z", "duration": 45, "location": None, "repeat": None}],
        }
    ]
    work()
    sent = sent_since(settings, before)
    question = to(sent, mentor)
    answer = to(sent, mentee)
    assert len(question) == 1 and len(answer) == 1
    print(question[0].text)
    print(answer[0].text)
    assert "Tue Dec 8, 3:00 PM" in answer[0].text
    before = last_outbound_id(settings)
    result = reply(settings, question[0].row.id, "Yes, that works!")
    assert [i["type"] for i in result.intents] == ["confirm"]
    work()
    sent = sent_since(settings, before)
    assert {s.row.to_email for s in sent} == {mentee, mentor}
    for mail in sent:
        print(mail.text)
        calendar = mail.calendar
        assert calendar is not None and calendar.method.value == "REQUEST"
    with session_scope(settings) as s:
        meeting = s.scalar(select(Meeting))
        assert meeting.status == "confirmed" and meeting.starts_at.isoformat() == "2026-12-08T20:00:00+00:00"
        assert s.get(Mentorship, pair["mentorship"]).state == "active"
    assert NOW

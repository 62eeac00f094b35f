"""The conversations a reply key names (SPEC §3), by name: one place for reading and writing.

A participant's key names (person, program, mentorship, thread). Besides these, an email sent
outside any of them is its own thread, named after its template.
"""

from __future__ import annotations

#: The welcome: a mentee's or peer's reply is their goals.
WELCOME = "welcome"
#: The mentorship's conversation: scheduling, messages for the other side, reminders, briefings.
MENTORSHIP = "mentorship"
#: A meeting's agenda prompt: a reply is the next meeting's agenda.
AGENDA = "agenda"
#: A meeting's log prompt: a reply is the last meeting's notes ("we didn't meet": missed).
LOG = "log"

"""Domain actions: the only code that changes domain rows (programs, people, mentorships, …)."""


class ActionError(Exception):
    """A request the domain refuses (unknown program, wrong role, …); the message says why."""

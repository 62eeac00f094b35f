"""Rendering outbound mail from templates/email and delivering it (SMTP or the dev outbox)."""

"""Pure understanding of inbound mail: raw bytes → parsed message → trimmed reply → kind.

No database, no Flask, no Redis: the processing job calls `understand()` on the stored raw bytes
and acts on the `ParsedMessage` it returns. Modules: `mime` (tolerant reading of bytes),
`htmltext` (HTML → text), `trim` (quote and signature trimming), `classify` (bounces, auto-replies,
spam), `keys` (reply keys in addresses), `parse` (`understand()` itself).
"""

from concierge.inbound.htmltext import html_to_text
from concierge.inbound.keys import reply_key_candidates
from concierge.inbound.message import Attachment, Bounce, ParsedMessage, UnparseableMessage
from concierge.inbound.parse import understand
from concierge.inbound.trim import trim_reply

__all__ = [
    "Attachment",
    "Bounce",
    "ParsedMessage",
    "UnparseableMessage",
    "html_to_text",
    "reply_key_candidates",
    "trim_reply",
    "understand",
]

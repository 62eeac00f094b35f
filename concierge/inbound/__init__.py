"""Pure understanding of inbound mail: raw bytes → parsed message → trimmed reply → kind."""

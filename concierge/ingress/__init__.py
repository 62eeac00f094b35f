"""Flask blueprints that receive from the outside: health check, webhooks, unsubscribe."""

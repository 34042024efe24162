"""Sending built issues to subscribers: store, ledger, SMTP, tokens, the subscription web app."""

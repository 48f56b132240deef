"""The Slack side: the Bolt app, its listeners, the outbox dispatcher, the HTTP server."""

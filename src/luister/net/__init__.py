"""Outbound network access shared by connectors, alert channels and push: the SSRF-guarded HTTP client
(:mod:`luister.net.http`) and OAuth client credentials (:mod:`luister.net.oauth`)."""

"""Alerts: rules that watch mentions, the alerts they raise, crisis playbooks, and their delivery.

The public face for the edges (CLI, web, API) and other capabilities:

- ``model``: kinds, statuses, severities, errors, the message a channel delivers (pure);
- ``read``: lists and details of alerts, rules and channels (no writes);
- ``actions``: every state change, each with its audit row, its event emitted after commit;
- ``watch``: the subscriber that checks rules as mentions are stored and delivers what is due.

Pure concept modules take ``now`` as an argument: ``spikes`` (the detector), ``coverage`` (which hours
have data), ``rules`` (what a rule is), ``texts`` (titles in the reader's language), ``scenarios`` (the
labelled evaluation set). ``detection`` reads stored counts for the detector, ``evaluation`` scores it
on the scenarios (``docs/accuracy.md``), ``delivery`` is the outbox, and ``channels`` holds the delivery
plugins (email, webhooks) and the configured channels built from them.
"""

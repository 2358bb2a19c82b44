"""The webcare inbox: mentions that need action become conversations, routed to the department that owns
them, assigned within it, worked within their SLA, and fed back to departments as digests.

Pure concepts: ``status`` (the state machine), ``calendar`` and ``sla`` (business hours and the SLA
clock), ``triage`` (the default department of a mention), ``rules`` (routing rules' conditions),
``threading`` (which conversation a mention joins), ``assignment`` and ``priority``. ``tables`` holds
the schema, ``actions`` every change, ``read`` the lists and details for the edges, ``watch`` what
runs as mentions arrive and time passes."""

"""Alert channels: where an alert is delivered (email, webhooks), each a declared plugin."""

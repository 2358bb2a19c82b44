"""Examples for plugin authors; ``docs/plugins.md`` shows them and the tests load them."""

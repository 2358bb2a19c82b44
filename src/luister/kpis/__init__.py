"""Goals, KPIs, social projects and the attribution of their outcomes."""

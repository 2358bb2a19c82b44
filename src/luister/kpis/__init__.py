"""Goals → KPIs with targets: the KPI library over luister's own data (rollups, mentions, the inbox) and
imported external series, each KPI with its formula text and version, its value per period, a forecast to
the period's end and a status against its target; social projects, and the honest attribution of their
outcomes when they overlap (rule-based splits, Shapley values, a causal lift with a placebo check)."""

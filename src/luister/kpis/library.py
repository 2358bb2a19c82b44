"""The KPI library's catalogue (pure): each formula's key, variants, unit, version and its text in Dutch and
English, as every KPI shows it. A change to the arithmetic of :mod:`luister.kpis.formulas` bumps the
version of the formulas it touches, so a figure can always be told apart from one computed before."""

from __future__ import annotations

from luister.kpis.formulas import Formula, Unit


class UnknownFormula(ValueError):
    """A formula key or variant the library does not have."""


def _f(key: str, variant: str, unit: Unit, source: str, en: str, nl: str, version: str = "1.0") -> Formula:
    return Formula(key, variant, f"{key}{'/' + variant if variant else ''}@{version}", unit, source,
                   {"en": en, "nl": nl})  # fmt: skip


_WILSON_EN = "95 % interval: Wilson score interval."
_WILSON_NL = "95%-interval: Wilson-score-interval."
_SOV_EN = (
    "Share of voice = {w}(topic) / ({w}(topic) + Σ {w}(competitor topics)) × 100, over the mentions "
    "published "
    "in the period (a mention matching several of the topics counts for each). "
)
_SOV_NL = (
    "Share of voice = {w}(topic) / ({w}(topic) + Σ {w}(concurrent-topics)) × 100, over de "
    "vermeldingen van de "
    "periode (een vermelding die bij meer topics hoort telt bij elk mee). "
)
_DELTA_EN = (
    "95 % interval: delta method, each topic's mentions taken as a compound Poisson process (Var Σw = Σw²)."
)
_DELTA_NL = (
    "95%-interval: deltamethode; de vermeldingen per topic als samengesteld Poissonproces (Var Σw = Σw²)."
)

FORMULAS: tuple[Formula, ...] = (
    _f(
        "share_of_voice",
        "mentions",
        Unit.percent,
        "mentions",
        _SOV_EN.format(w="mentions") + _WILSON_EN,
        _SOV_NL.format(w="vermeldingen") + _WILSON_NL,
    ),
    _f(
        "share_of_voice",
        "reach",
        Unit.percent,
        "mentions",
        _SOV_EN.format(w="Σ author followers") + _DELTA_EN,
        _SOV_NL.format(w="Σ volgers van de auteur") + _DELTA_NL,
    ),
    _f(
        "share_of_voice",
        "engagement",
        Unit.percent,
        "mentions",
        _SOV_EN.format(w="Σ (likes + shares + replies)") + _DELTA_EN,
        _SOV_NL.format(w="Σ (likes + shares + reacties)") + _DELTA_NL,
    ),
    _f(
        "net_sentiment",
        "share",
        Unit.ratio,
        "mentions",
        "Net sentiment = (P − N) / (P + U + N) of the topic's analysed mentions (P positive, U "
        "neutral, N negative), "
        "−1 to 1. 95 % interval: delta method for the difference of two multinomial shares, "
        "Var = (p + n − (p − n)²) / (P + U + N).",
        "Netto sentiment = (P − N) / (P + U + N) van de geanalyseerde vermeldingen van het topic (P "
        "positief, "
        "U neutraal, N negatief), −1 tot 1. 95%-interval: deltamethode voor het verschil van twee "
        "multinomiale "
        "aandelen, Var = (p + n − (p − n)²) / (P + U + N).",
    ),
    _f(
        "net_sentiment",
        "points",
        Unit.points,
        "mentions",
        "Net sentiment = %P − %N of the topic's analysed mentions, in percentage points (the same value as "
        "(P − N)/(P + U + N) × 100). 95 % interval: MOVER (Zou & Donner) from the Wilson intervals "
        "of %P and %N, "
        "with their multinomial correlation.",
        "Netto sentiment = %P − %N van de geanalyseerde vermeldingen, in procentpunten (dezelfde waarde als "
        "(P − N)/(P + U + N) × 100). 95%-interval: MOVER (Zou & Donner) uit de Wilson-intervallen "
        "van %P en %N, "
        "met hun multinomiale correlatie.",
    ),
    _f(
        "net_sentiment",
        "polar",
        Unit.ratio,
        "mentions",
        "Net sentiment = (P − N) / (P + N): neutral mentions left out, −1 to 1. 95 % interval: Wilson score "
        "interval of q = P / (P + N), mapped by 2q − 1.",
        "Netto sentiment = (P − N) / (P + N): neutrale vermeldingen tellen niet mee, −1 tot 1. 95%-interval: "
        "Wilson-score-interval van q = P / (P + N), omgezet met 2q − 1.",
    ),
    _f(
        "positive_share",
        "own",
        Unit.percent,
        "mentions",
        "Positive share = P / (P + U + N) × 100 of the topic's analysed mentions. " + _WILSON_EN,
        "Aandeel positief = P / (P + U + N) × 100 van de geanalyseerde vermeldingen van het topic. "
        + _WILSON_NL,
    ),
    _f(
        "positive_share",
        "gap",
        Unit.points,
        "mentions",
        "Positive share of the topic − positive share of the competitor topics together, in "
        "percentage points "
        "(and against each competitor apart). 95 % interval: Newcombe's hybrid score interval (method 10).",
        "Aandeel positief van het topic − aandeel positief van de concurrenten samen, in "
        "procentpunten (en per "
        "concurrent apart). 95%-interval: Newcombes hybride score-interval (methode 10).",
    ),
    _f(
        "first_response",
        "median",
        Unit.hours,
        "inbox",
        "Median first-response time in business hours of the cycles that started in the period (the inbox "
        "report's figure: the department's business hours, time waiting on the customer left out).",
        "Mediaan van de eerste reactietijd in kantooruren van de cycli die in de periode begonnen "
        "(het cijfer "
        "van het inboxrapport: kantooruren van de afdeling, wachten op de klant niet meegeteld).",
    ),
    _f(
        "first_response",
        "p90",
        Unit.hours,
        "inbox",
        "90th percentile (nearest rank) of the first-response time in business hours of the cycles that "
        "started in the period (the inbox report's figure).",
        "90e percentiel (dichtstbijzijnde rang) van de eerste reactietijd in kantooruren van de "
        "cycli die in de "
        "periode begonnen (het cijfer van het inboxrapport).",
    ),
    _f(
        "resolution",
        "median",
        Unit.hours,
        "inbox",
        "Median resolution time in business hours of the cycles that started in the period (the "
        "inbox report's "
        "figure).",
        "Mediaan van de oplostijd in kantooruren van de cycli die in de periode begonnen (het cijfer van het "
        "inboxrapport).",
    ),
    _f(
        "resolution",
        "p90",
        Unit.hours,
        "inbox",
        "90th percentile (nearest rank) of the resolution time in business hours of the cycles that "
        "started in "
        "the period (the inbox report's figure).",
        "90e percentiel (dichtstbijzijnde rang) van de oplostijd in kantooruren van de cycli die in "
        "de periode "
        "begonnen (het cijfer van het inboxrapport).",
    ),
    _f(
        "sla_attainment",
        "",
        Unit.percent,
        "inbox",
        "SLA attainment = targets met in time / decided targets × 100, of the cycles that started "
        "in the period "
        "(the inbox report's figure). " + _WILSON_EN,
        "SLA-naleving = op tijd gehaalde doelen / besliste doelen × 100, van de cycli die in de "
        "periode begonnen "
        "(het cijfer van het inboxrapport). " + _WILSON_NL,
    ),
    _f(
        "leads",
        "",
        Unit.count,
        "inbox",
        "Leads = conversations with the purchase intent (lead) routed to the sales department, opened in the "
        "period.",
        "Leads = gesprekken met koopintentie (lead) die naar de afdeling verkoop zijn gerouteerd, "
        "geopend in de "
        "periode.",
    ),
    _f(
        "cost_per_lead",
        "",
        Unit.eur,
        "inbox",
        "Cost per lead = spend (EUR, the KPI's `spend` parameter) / leads in the period; none without leads.",
        "Kosten per lead = uitgaven (EUR, de parameter `spend` van de KPI) / leads in de periode; "
        "geen waarde "
        "zonder leads.",
    ),
    _f(
        "deflection",
        "direct",
        Unit.eur,
        "inbox",
        "Direct deflection = questions answered in public × direct deflection rate × cost per contact (rates "
        "and cost are settings). No interval: the rates are assumptions.",
        "Directe besparing = in het openbaar beantwoorde vragen × directe deflectiegraad × kosten "
        "per contact "
        "(graden en kosten zijn instellingen). Geen interval: de graden zijn aannames.",
    ),
    _f(
        "deflection",
        "indirect",
        Unit.eur,
        "inbox",
        "Indirect deflection = questions answered in public × readers per answer × indirect "
        "deflection rate × "
        "cost per contact (settings). No interval: the rates are assumptions.",
        "Indirecte besparing = in het openbaar beantwoorde vragen × lezers per antwoord × indirecte "
        "deflectiegraad × kosten per contact (instellingen). Geen interval: de graden zijn aannames.",
    ),
    _f(
        "deflection",
        "total",
        Unit.eur,
        "inbox",
        "Deflection = direct + indirect: questions answered in public × (direct rate + readers per answer × "
        "indirect rate) × cost per contact (settings). No interval: the rates are assumptions.",
        "Besparing = direct + indirect: in het openbaar beantwoorde vragen × (directe graad + lezers per "
        "antwoord × indirecte graad) × kosten per contact (instellingen). Geen interval: de graden "
        "zijn aannames.",
    ),
    _f(
        "volume",
        "",
        Unit.count,
        "mentions",
        "Volume = mentions published in the period that match at least one topic of the department (each "
        "mention counted once).",
        "Volume = vermeldingen uit de periode die bij minstens één topic van de afdeling horen "
        "(elke vermelding "
        "één keer geteld).",
    ),
)

BY_NAME = {f.name: f for f in FORMULAS}
KEYS = tuple(dict.fromkeys(f.key for f in FORMULAS))


def series_formula(unit: Unit) -> Formula:
    """What an external series KPI shows as its formula: the imported value per period."""
    return Formula(
        "series",
        "",
        "series@1.0",
        unit,
        "series",
        {
            "en": "The imported value of the external series for the period (the latest one in it).",
            "nl": "De geïmporteerde waarde van de externe reeks voor de periode (de laatste daarin).",
        },
    )


def formula_of(key: str, variant: str = "") -> Formula:
    """The library's formula ``key`` in ``variant`` (its first variant when none is named)."""
    if not variant:
        found = next((f for f in FORMULAS if f.key == key), None)
    else:
        found = BY_NAME.get(f"{key}:{variant}")
    if found is None:
        variants = [f.variant for f in FORMULAS if f.key == key]
        if variants:
            raise UnknownFormula(
                f"formula {key!r} has no variant {variant!r}; choose one of {', '.join(variants)}"
            )
        raise UnknownFormula(f"no formula {key!r}; choose one of {', '.join(KEYS)}")
    return found

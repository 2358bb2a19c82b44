"""The maturity questionnaire, version by version (pure data). A version never changes once released:
answers keep the version they were given for, so an old assessment is scored as it was asked. A new
version is a new constant added to ``VERSIONS``; ``CURRENT`` names the one new assessments use."""

from __future__ import annotations

from luister.organisation.maturity import Dimension, Question, Questionnaire, Text

D = Dimension

V1 = Questionnaire(
    version="2026.1",
    questions=(
        Question(
            "strategy",
            D.strategy,
            Text(
                "Which statement fits your social media strategy and goals best?",
                "Welke uitspraak past het best bij jullie strategie en doelen voor sociale media?",
            ),
            (
                Text(
                    "We listen to learn what is said about us; there is no plan yet.",
                    "We luisteren om te leren wat er over ons gezegd wordt; een plan is er nog niet.",
                ),
                Text(
                    "We have accounts of our own and a plan for what we post.",
                    "We hebben eigen accounts en een plan voor wat we plaatsen.",
                ),
                Text(
                    "Answering customers in public is a goal of its own, with response times.",
                    "Klanten in het openbaar antwoorden is een eigen doel, met responstijden.",
                ),
                Text(
                    "An executive sponsors social; goals have KPIs with targets.",
                    "Een bestuurder is sponsor van social; doelen hebben KPI's met streefwaarden.",
                ),
                Text(
                    "Business units set their own social goals, tied to business outcomes.",
                    "Bedrijfsonderdelen stellen hun eigen sociale doelen, gekoppeld aan bedrijfsresultaten.",
                ),
                Text(
                    "Social is part of the company strategy; no separate social plan is needed.",
                    "Social is deel van de bedrijfsstrategie; een apart plan is niet meer nodig.",
                ),
            ),
        ),
        Question(
            "people",
            D.people,
            Text("Who does the social work?", "Wie doet het sociale werk?"),
            (
                Text(
                    "One or two enthusiasts, next to their own job.",
                    "Eén of twee enthousiastelingen, naast hun eigen werk.",
                ),
                Text(
                    "Marketing or communications looks after the accounts.",
                    "Marketing of communicatie beheert de accounts.",
                ),
                Text(
                    "A webcare team answers customers every day.",
                    "Een webcareteam beantwoordt elke dag klanten.",
                ),
                Text(
                    "A centre of excellence coordinates; departments answer what is theirs.",
                    "Een centre of excellence coördineert; afdelingen beantwoorden wat van hen is.",
                ),
                Text(
                    "Several departments run their own social work, each with its own hub.",
                    "Meerdere afdelingen doen hun eigen sociale werk, elk met een eigen hub.",
                ),
                Text(
                    "Everyone who serves customers can answer them in public.",
                    "Iedereen die klanten helpt, kan ze ook in het openbaar antwoorden.",
                ),
            ),
        ),
        Question(
            "governance",
            D.governance,
            Text("How is social work governed?", "Hoe is het sociale werk geregeld?"),
            (
                Text(
                    "There are no rules for what staff say online.",
                    "Er zijn geen regels voor wat medewerkers online zeggen.",
                ),
                Text("A few informal do's and don'ts.", "Een paar informele do's en don'ts."),
                Text(
                    "Risky replies wait for a second person's approval.",
                    "Risicovolle antwoorden wachten op goedkeuring van een tweede persoon.",
                ),
                Text(
                    "A written social media policy that every user has acknowledged.",
                    "Een geschreven social-mediabeleid dat iedere gebruiker heeft bevestigd.",
                ),
                Text(
                    "The policy is reviewed every year and enforced in the tools.",
                    "Het beleid wordt elk jaar herzien en in de tools gehandhaafd.",
                ),
                Text(
                    "Governance is part of the company's normal risk management.",
                    "Governance is deel van het gewone risicobeheer van het bedrijf.",
                ),
            ),
        ),
        Question(
            "processes",
            D.processes,
            Text("How do questions and complaints find their way?", "Hoe vinden vragen en klachten hun weg?"),
            (
                Text(
                    "Whoever happens to see a post reacts, or nobody does.",
                    "Wie een bericht toevallig ziet, reageert, of niemand.",
                ),
                Text(
                    "Posts are forwarded by e-mail to whoever might know.",
                    "Berichten worden doorgemaild naar wie het misschien weet.",
                ),
                Text(
                    "One inbox with response times; the team works it every day.",
                    "Eén inbox met responstijden; het team werkt die elke dag af.",
                ),
                Text(
                    "Routing rules send each conversation to the responsible department.",
                    "Routeringsregels sturen elk gesprek naar de verantwoordelijke afdeling.",
                ),
                Text(
                    "Departments act on what customers say: digests lead to changes.",
                    "Afdelingen doen iets met wat klanten zeggen: digests leiden tot veranderingen.",
                ),
                Text(
                    "Social is one channel in processes that run across the company.",
                    "Social is één kanaal in processen die door het hele bedrijf lopen.",
                ),
            ),
        ),
        Question(
            "training",
            D.training,
            Text("How are people trained for social work?", "Hoe worden mensen getraind voor sociaal werk?"),
            (
                Text("Nobody is trained.", "Niemand wordt getraind."),
                Text(
                    "New people learn from a colleague when they start.",
                    "Nieuwe mensen leren het van een collega als ze beginnen.",
                ),
                Text(
                    "New agents' first replies are reviewed before they go out.",
                    "De eerste antwoorden van nieuwe medewerkers worden nagekeken voor ze de deur uitgaan.",
                ),
                Text(
                    "Training modules with a test; people earn belts before they reply alone.",
                    "Trainingsmodules met een toets; mensen halen een band voor ze zelfstandig antwoorden.",
                ),
                Text(
                    "Certificates are renewed every year; executives are reverse-mentored.",
                    "Certificaten worden elk jaar vernieuwd; bestuurders krijgen reverse mentoring.",
                ),
                Text(
                    "Social skills are part of every role's development plan.",
                    "Sociale vaardigheden horen bij het ontwikkelplan van elke functie.",
                ),
            ),
        ),
        Question(
            "measurement",
            D.measurement,
            Text("What do you measure?", "Wat meten jullie?"),
            (
                Text(
                    "Nothing, or only now and then a count of mentions.",
                    "Niets, of alleen af en toe het aantal vermeldingen.",
                ),
                Text(
                    "Followers, likes and reach of our own posts.",
                    "Volgers, likes en bereik van onze eigen berichten.",
                ),
                Text(
                    "Response times and the sentiment of conversations.",
                    "Responstijden en het sentiment van gesprekken.",
                ),
                Text(
                    "KPIs with targets per period, reported to management.",
                    "KPI's met streefwaarden per periode, gerapporteerd aan het management.",
                ),
                Text(
                    "Projects are evaluated against their objectives; results are attributed.",
                    "Projecten worden tegen hun doelen geëvalueerd; resultaten worden toegeschreven.",
                ),
                Text(
                    "Social figures sit in the company's own business dashboards.",
                    "Sociale cijfers staan in de eigen bedrijfsdashboards.",
                ),
            ),
        ),
        Question(
            "technology",
            D.technology,
            Text("Which tools support the work?", "Welke tools ondersteunen het werk?"),
            (
                Text("Searches by hand, on each platform.", "Met de hand zoeken, per platform."),
                Text(
                    "A listening tool with topics and sources for brand and competitors.",
                    "Een luistertool met onderwerpen en bronnen voor merk en concurrenten.",
                ),
                Text(
                    "Replies go out at the source from one inbox.",
                    "Antwoorden gaan vanuit één inbox terug naar de bron.",
                ),
                Text(
                    "The inbox routes to departments, with approvals and reports.",
                    "De inbox routeert naar afdelingen, met goedkeuringen en rapporten.",
                ),
                Text(
                    "Social data flows into goals, projects and other departments' tools.",
                    "Sociale data stromen naar doelen, projecten en de tools van andere afdelingen.",
                ),
                Text(
                    "Social is integrated with CRM, service and product systems.",
                    "Social is geïntegreerd met CRM-, service- en productsystemen.",
                ),
            ),
        ),
    ),
)

VERSIONS = {V1.version: V1}
CURRENT = V1


def questionnaire(version: str) -> Questionnaire:
    """A released version; ``KeyError`` names the known ones."""
    if version not in VERSIONS:
        raise KeyError(f"no questionnaire version {version!r}: known are {', '.join(VERSIONS)}")
    return VERSIONS[version]

"""The starter knowledge base: playbooks, holding statements, policy FAQs, a lesson learned and a project
evaluation for a Dutch energy supplier's social team, each in Dutch and English (the English one a
translation of the Dutch), with the links that show them beside alerts, conversations and projects.
Loaded by the demo and by ``luister org kb starter``; the search quality test asks its questions of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.organisation import knowledge_actions as actions
from luister.organisation.knowledge_tables import kb_article


@dataclass(frozen=True, slots=True)
class Starter:
    slug: str
    kind: str
    language: str
    title: str
    tags: tuple[str, ...]
    body: str
    translates: str | None = None  # the Dutch original's slug
    links: tuple[tuple[str, str], ...] = ()  # (target_kind, target_key), on the Dutch original


def _pair(
    kind: str, tags: tuple[str, ...], links: tuple[tuple[str, str], ...], nl: tuple[str, str, str],
    en: tuple[str, str, str],
) -> list[Starter]:  # fmt: skip
    """A Dutch original and its English translation: (slug, title, body) each."""
    return [
        Starter(nl[0], kind, "nl", nl[1], tags, nl[2].strip(), None, links),
        Starter(en[0], kind, "en", en[1], tags, en[2].strip(), nl[0]),
    ]


STARTER: list[Starter] = [
    *_pair(
        "playbook",
        ("storing", "outage", "crisis"),
        (
            ("alert_kind", "volume_spike"),
            ("alert_kind", "negative_spike"),
            ("intent", "crisis"),
            ("department", "customer-service"),
        ),
        (
            "playbook-storing",
            "Playbook: storing of stroomuitval",
            """
Wat we doen en zeggen bij een storing, een stroomuitval of een gasstoring in een regio.

## Eerste 15 minuten
1. Bevestig de storing bij de netbeheerder (storingsdienst) en noteer regio, postcodes en starttijd.
2. Plaats de **houdverklaring storing** op onze kanalen en pin hem vast.
3. Zet in de inbox een tag `storing` op alle gesprekken over de storing; beantwoord ze met het
   standaardantwoord.

## Wat we zeggen
- Erken de last: "Vervelend dat je zonder stroom zit."
- Geef wat we weten: regio, verwachte hersteltijd (alleen als de netbeheerder die noemt).
- Verwijs naar de storingspagina en beloof een update binnen een uur.

## Wat we niet zeggen
Geen schuld toewijzen, geen hersteltijd gokken, geen compensatie beloven voordat legal het goedkeurt.

## Afronden
Meld als de storing voorbij is, bedank voor het geduld en schrijf binnen een week een geleerde les.
""",
        ),
        (
            "playbook-outage",
            "Playbook: outage or power cut",
            """
What we do and say when there is an outage, a power cut or a gas failure in a region.

## First 15 minutes
1. Confirm the outage with the grid operator and note region, postcodes and start time.
2. Post the **outage holding statement** on our channels and pin it.
3. Tag every inbox conversation about it `outage` and answer them with the standard reply.

## What we say
- Acknowledge the trouble: "Sorry you are without power."
- Share what we know: region, expected repair time (only when the grid operator gives one).
- Point to the outage page and promise an update within the hour.

## What we do not say
No blame, no guessed repair times, no compensation promised before legal approves.

## Closing
Announce when the power is back, thank people for their patience and write a lesson learned within a week.
""",
        ),
    ),
    *_pair(
        "playbook",
        ("rekening", "billing", "klacht"),
        (("intent", "complaint"), ("department", "billing"), ("tag", "rekening")),
        (
            "playbook-klacht-rekening",
            "Playbook: klacht over de rekening of jaarafrekening",
            """
Een klant vindt de rekening, de jaarafrekening of het termijnbedrag te hoog, of er is dubbel afgeschreven.

1. Reageer binnen 30 minuten openbaar: excuses voor het ongemak, vraag om een privébericht.
2. Vraag in de DM naar klantnummer en postcode, **nooit** naar IBAN of wachtwoord in een openbaar bericht.
3. Controleer meterstanden en termijnbedrag met de afdeling billing; een onterechte afschrijving wordt binnen
   vijf werkdagen teruggestort.
4. Leg uit hoe het termijnbedrag wordt berekend en bied aan het aan te passen.
5. Sluit openbaar af: "We hebben het samen opgelost" (zonder bedragen te noemen).

Escaleer naar billing bij bedragen boven € 500 of als een incassobureau al betrokken is.
""",
        ),
        (
            "playbook-billing-complaint",
            "Playbook: complaint about a bill or annual statement",
            """
A customer finds the bill, the annual statement or the monthly instalment too high, or was charged twice.

1. Reply publicly within 30 minutes: apologise for the trouble, ask them to send a private message.
2. In the DM ask for the customer number and postcode, **never** for a bank account or password in public.
3. Check meter readings and the instalment with the billing department; a wrong charge is refunded within
   five working days.
4. Explain how the monthly instalment is calculated and offer to adjust it.
5. Close publicly: "We sorted it out together" (never mention amounts).

Escalate to billing for amounts above € 500 or when a debt collector is already involved.
""",
        ),
    ),
    *_pair(
        "playbook",
        ("pers", "press", "journalist"),
        (("intent", "question"), ("department", "communications"), ("alert_kind", "influencer")),
        (
            "playbook-persvraag",
            "Playbook: persvraag of journalist",
            """
Een journalist, redactie of verslaggever stelt een vraag via social media of in een reactie.

- Webcare beantwoordt persvragen **niet inhoudelijk**. Antwoord binnen 15 minuten: "Dank voor je vraag; onze
  woordvoerder neemt contact met je op" en stuur het gesprek door naar communicatie.
- Communicatie belt of mailt binnen een uur terug; de woordvoerder is het enige aanspreekpunt voor de media.
- Noteer naam, medium, deadline en de vraag in het gesprek.
- Bij een lopende storing of crisis: gebruik de houdverklaring en verwijs naar de woordvoerder.
- Geef nooit off-the-record informatie en speculeer niet.
""",
        ),
        (
            "playbook-press-question",
            "Playbook: press question or journalist",
            """
A journalist, newsroom or reporter asks a question on social media or in a reply.

- Webcare does **not** answer press questions on substance. Reply within 15 minutes: "Thanks for your
  question; our spokesperson will contact you" and hand the conversation to communications.
- Communications calls or e-mails back within an hour; the spokesperson is the only contact for the media.
- Note the name, outlet, deadline and question in the conversation.
- During an outage or crisis: use the holding statement and refer to the spokesperson.
- Never give off-the-record information and do not speculate.
""",
        ),
    ),
    *_pair(
        "playbook",
        ("privacy", "avg", "gdpr"),
        (("department", "legal"), ("tag", "datalek"), ("tag", "privacy")),
        (
            "playbook-privacyverzoek",
            "Playbook: privacyverzoek (inzage, correctie, verwijderen van gegevens)",
            """
Iemand vraagt via social media om inzage in, correctie of verwijdering van zijn persoonsgegevens (AVG).

1. Bevestig openbaar alleen dat we het verzoek hebben ontvangen; vraag niets over de gegevens zelf in het
   openbaar.
2. Verwijs naar het privacyformulier en stuur het gesprek door naar legal.
3. Legal stelt de identiteit vast en antwoordt binnen een maand (wettelijke termijn).
4. In luister: gebruik de privacy-export of het wissen van een persoon; het verzoek staat in het auditlog.
5. Een klacht bij de Autoriteit Persoonsgegevens gaat altijd naar legal en de functionaris
   gegevensbescherming.
""",
        ),
        (
            "playbook-privacy-request",
            "Playbook: privacy request (access, correction, deletion of personal data)",
            """
Someone asks on social media to see, correct or delete their personal data (GDPR).

1. Publicly only confirm we received the request; never discuss the data itself in public.
2. Point to the privacy form and hand the conversation to legal.
3. Legal verifies the identity and answers within one month (the legal deadline).
4. In luister: use the privacy export or the erasure of a person; the request is in the audit log.
5. A complaint to the data protection authority always goes to legal and the data protection officer.
""",
        ),
    ),
    *_pair(
        "playbook",
        ("opzeggen", "churn", "overstappen"),
        (("intent", "churn"), ("department", "sales")),
        (
            "playbook-opzegdreiging",
            "Playbook: klant dreigt op te zeggen of over te stappen",
            """
Een klant zegt op te zeggen, over te stappen naar een andere energieleverancier of het contract te beëindigen.

- Reageer binnen een uur, persoonlijk en zonder verkooppraatje: vraag wat er misging.
- Los eerst het onderliggende probleem op (rekening, storing, monteur); pas daarna een aanbod.
- Sales mag een retentieaanbod doen (vaste prijs, korting op de Zonnedeal); webcare belooft zelf geen korting.
- Respecteer een besluit: leg uit hoe overstappen werkt, zonder drempels.
- Tag het gesprek `churn` zodat de maandrapportage het aantal opzegdreigingen telt.
""",
        ),
        (
            "playbook-churn-threat",
            "Playbook: customer threatens to cancel or switch supplier",
            """
A customer says they will cancel, switch to another energy supplier or end the contract.

- Reply within an hour, personally and without a sales pitch: ask what went wrong.
- Solve the underlying problem first (bill, outage, engineer); only then make an offer.
- Sales may make a retention offer (fixed price, a discount on the Zonnedeal); webcare itself promises no
  discount.
- Respect a decision: explain how switching works, without hurdles.
- Tag the conversation `churn` so the monthly report counts cancellation threats.
""",
        ),
    ),
    *_pair(
        "playbook",
        ("lof", "praise", "viraal"),
        (("intent", "feedback"), ("department", "marketing"), ("project_kind", "campaign")),
        (
            "playbook-virale-lof",
            "Playbook: virale lof en complimenten",
            """
Een bericht met lof of complimenten over Voltaro gaat viraal, of een klant is enthousiast over een monteur.

- Bedank binnen een uur, persoonlijk en met de naam van de collega die het verdiende.
- Vraag toestemming voordat marketing het bericht deelt of citeert (de auteur houdt zijn rechten).
- Geef de lof door aan het team en de monteur; zet hem in het maandverslag.
- Overdrijf niet en maak er geen advertentie van; geen kortingscodes als beloning zonder overleg met
  marketing.
- Houd de reacties in de gaten: virale aandacht trekt ook klachten.
""",
        ),
        (
            "playbook-viral-praise",
            "Playbook: viral praise and compliments",
            """
A post praising Voltaro goes viral, or a customer is delighted with an engineer.

- Thank them within an hour, personally and naming the colleague who earned it.
- Ask permission before marketing shares or quotes the post (the author keeps their rights).
- Pass the praise on to the team and the engineer; put it in the monthly report.
- Do not overdo it or turn it into an advert; no discount codes as a reward without marketing.
- Keep watching the replies: viral attention draws complaints as well.
""",
        ),
    ),
    *_pair(
        "playbook",
        ("phishing", "fraude", "scam"),
        (("alert_kind", "query"), ("department", "customer-service")),
        (
            "playbook-phishing",
            "Playbook: phishing en nepberichten uit naam van Voltaro",
            """
Er gaan valse e-mails, sms'jes of nepaccounts rond die zich voordoen als Voltaro (phishing, fraude).

1. Verzamel voorbeelden (schermafbeelding, afzender, link) en meld ze bij security.
2. Waarschuw openbaar: "Voltaro vraagt nooit om je inloggegevens of betaling via een link."
3. Meld nepaccounts bij het platform; noem ze niet bij naam om ze geen bereik te geven.
4. Klanten die al betaald of gegevens gegeven hebben: vraag om een DM, verwijs naar hun bank en de politie.
""",
        ),
        (
            "playbook-phishing-en",
            "Playbook: phishing and fake messages in Voltaro's name",
            """
Fake e-mails, text messages or impostor accounts pretending to be Voltaro are going around (phishing, scam).

1. Collect examples (screenshot, sender, link) and report them to security.
2. Warn publicly: "Voltaro never asks for your login or a payment through a link."
3. Report impostor accounts to the platform; do not name them, so they get no reach.
4. Customers who already paid or gave their details: ask for a DM, refer them to their bank and the police.
""",
        ),
    ),
    *_pair(
        "holding_statement",
        ("storing", "outage"),
        (("alert_kind", "volume_spike"), ("intent", "crisis")),
        (
            "houdverklaring-storing",
            "Houdverklaring: storing",
            """
De eerste tekst die we plaatsen zodra een storing bevestigd is, tot er meer bekend is:

> We weten dat er in [regio] een storing is en dat je daar last van hebt. Samen met de netbeheerder werken we
> aan een oplossing. Zodra we meer weten, lees je het hier en op voltaro.example/storing. Volgende update
> uiterlijk om [tijd].

Niet aanpassen zonder communicatie; regio en tijd wel invullen.
""",
        ),
        (
            "holding-statement-outage",
            "Holding statement: outage",
            """
The first text we post as soon as an outage is confirmed, until more is known:

> We know there is an outage in [region] and that it is causing you trouble. Together with the grid operator
> we are working on a fix. As soon as we know more, you will read it here and on voltaro.example/outage. Next
> update at [time] at the latest.

Do not change it without communications; do fill in region and time.
""",
        ),
    ),
    *_pair(
        "holding_statement",
        ("datalek", "data-breach", "privacy"),
        (("tag", "datalek"), ("department", "legal"), ("intent", "crisis")),
        (
            "houdverklaring-datalek",
            "Houdverklaring: datalek of beveiligingsincident",
            """
Te gebruiken bij berichten over een (mogelijk) datalek of gelekte klantgegevens, na akkoord van legal:

> We nemen berichten over een mogelijk datalek zeer serieus. We onderzoeken wat er is gebeurd en welke
> gegevens het betreft. Klanten van wie gegevens betrokken zijn, informeren we persoonlijk. We melden het
> incident waar nodig bij de Autoriteit Persoonsgegevens.

Noem nooit aantallen of namen; alle vervolgvragen gaan naar legal.
""",
        ),
        (
            "holding-statement-data-breach",
            "Holding statement: data breach or security incident",
            """
To use for posts about a (possible) data breach or leaked customer data, once legal has approved:

> We take reports of a possible data breach very seriously. We are investigating what happened and which data
> is involved. Customers whose data is affected will be informed personally. Where required we report the
> incident to the data protection authority.

Never mention numbers or names; every follow-up question goes to legal.
""",
        ),
    ),
    *_pair(
        "holding_statement",
        ("tarieven", "prices"),
        (("department", "billing"), ("intent", "complaint")),
        (
            "houdverklaring-tarieven",
            "Houdverklaring: hogere tarieven en prijsverhoging",
            """
Bij vragen en boosheid over een prijsverhoging of nieuwe energietarieven:

> De energieprijzen op de inkoopmarkt zijn gestegen en dat merk je helaas in je tarief. We begrijpen dat dit
> vervelend is. Op voltaro.example/tarieven lees je hoe je tarief is opgebouwd; met een vast contract of een
> aangepast termijnbedrag houd je je kosten voorspelbaar.

Geen beloftes over toekomstige prijzen.
""",
        ),
        (
            "holding-statement-prices",
            "Holding statement: higher rates and price increase",
            """
For questions and anger about a price increase or new energy rates:

> Energy prices on the wholesale market have gone up and unfortunately you notice it in your rate. We
> understand this is frustrating. At voltaro.example/rates you can see how your rate is made up; a fixed
> contract or an adjusted monthly instalment keeps your costs predictable.

No promises about future prices.
""",
        ),
    ),
    *_pair(
        "policy_faq",
        ("beleid", "policy", "privéaccount"),
        (),
        (
            "faq-prive-account",
            "Beleids-FAQ: mag ik op mijn eigen account over Voltaro posten?",
            """
Ja, op je eigen account mag je over je werk bij Voltaro posten, met deze afspraken uit het social-mediabeleid:

- Maak duidelijk dat je bij Voltaro werkt en dat je voor jezelf spreekt.
- Deel geen klantgegevens, interne cijfers of informatie over storingen die nog niet openbaar is.
- Reageer niet op klachten vanaf je eigen account: verwijs naar @Voltaro, webcare pakt het op.
- Twijfel je? Vraag het aan communicatie.
""",
        ),
        (
            "faq-personal-account",
            "Policy FAQ: may I post about Voltaro on my personal account?",
            """
Yes, on your personal account you may post about your work at Voltaro, with these rules from the social
media policy:

- Make clear that you work at Voltaro and speak for yourself.
- Share no customer data, internal figures or outage information that is not public yet.
- Do not answer complaints from your own account: refer to @Voltaro, webcare picks it up.
- In doubt? Ask communications.
""",
        ),
    ),
    *_pair(
        "policy_faq",
        ("beleid", "policy", "goedkeuring"),
        (("department", "customer-service"),),
        (
            "faq-wie-reageert",
            "Beleids-FAQ: wie mag namens Voltaro reageren en wanneer is goedkeuring nodig?",
            """
Namens Voltaro reageren alleen collega's die het beleid hebben bevestigd en de training volgden.

- Webcare reageert op vragen en klachten; met een groene band zonder goedkeuring, behalve bij crisis en legal.
- Antwoorden over privacy, datalekken en juridische kwesties keurt legal goed.
- Persvragen beantwoordt alleen de woordvoerder (communicatie).
- Niemand keurt zijn eigen antwoord goed.
""",
        ),
        (
            "faq-who-replies",
            "Policy FAQ: who may reply on behalf of Voltaro and when is approval needed?",
            """
Only colleagues who acknowledged the policy and took the training reply on behalf of Voltaro.

- Webcare replies to questions and complaints; with a green belt without approval, except in a crisis and on
  legal topics.
- Replies about privacy, data breaches and legal matters are approved by legal.
- Only the spokesperson (communications) answers press questions.
- Nobody approves their own reply.
""",
        ),
    ),
    *_pair(
        "lesson_learned",
        ("storing", "outage", "les"),
        (("alert_kind", "volume_spike"),),
        (
            "les-storing-januari",
            "Geleerde les: de storing in januari, te laat en te stil",
            """
Tijdens de grote storing in januari duurde het 50 minuten voor ons eerste bericht; klanten vulden de stilte
zelf in en het aantal negatieve berichten verdubbelde.

**Wat we leerden**
- De houdverklaring moet klaarliggen: nu staat hij in de kennisbank en start het alert het playbook.
- Eén update per uur, ook als er niets nieuws is, halveert de vragen.
- Monteurs en webcare moeten dezelfde informatie hebben: een gedeeld kanaal met de netbeheerder.

**Wat we veranderden**: alertregel op volumepieken, playbook storing, updates op vaste tijden.
""",
        ),
        (
            "lesson-january-outage",
            "Lesson learned: the January outage, too late and too quiet",
            """
During the big outage in January our first post took 50 minutes; customers filled the silence themselves and
negative posts doubled.

**What we learned**
- The holding statement must be ready: it is now in the knowledge base and the alert starts the playbook.
- One update an hour, even with no news, halves the questions.
- Engineers and webcare need the same information: a shared channel with the grid operator.

**What we changed**: an alert rule on volume spikes, the outage playbook, updates at fixed times.
""",
        ),
    ),
    *_pair(
        "project_evaluation",
        ("zonnedeal", "campagne", "evaluatie"),
        (("project_kind", "campaign"),),
        (
            "evaluatie-zonnedeal",
            "Projectevaluatie: campagne Zonnedeal (zonnepanelen)",
            """
De Zonnedeal-campagne voor zonnepanelen liep zes weken op Instagram, Facebook en LinkedIn.

- **Doel**: 400 leads; **resultaat**: 512 leads, waarvan 18 % een offerte tekende.
- Vragen over terugleveren en salderen kwamen het meest voor; een FAQ had dat deel van de inbox gehalveerd.
- Reactietijd op leads: mediaan 2 uur; verkoop wil binnen 1 uur.
- Volgende keer: de FAQ vooraf, verkoop in het rooster van webcare, en leads direct naar sales routeren.
""",
        ),
        (
            "evaluation-zonnedeal",
            "Project evaluation: the Zonnedeal campaign (solar panels)",
            """
The Zonnedeal campaign for solar panels ran six weeks on Instagram, Facebook and LinkedIn.

- **Goal**: 400 leads; **result**: 512 leads, 18 % of whom signed a quote.
- Questions about feeding power back to the grid and net metering were the most common; an FAQ would have
  halved that part of the inbox.
- Response time to leads: median 2 hours; sales wants 1 hour.
- Next time: the FAQ in advance, sales in the webcare rota, and leads routed straight to sales.
""",
        ),
    ),
]


def load(*, engine: Engine, actor: str, now: datetime) -> int:
    """Write the starter articles that are not there yet (by slug) with their links; the number written."""
    with engine.connect() as conn:
        have = {str(s) for s in conn.execute(sa.select(kb_article.c.slug)).scalars()}
    ids: dict[str, int] = {}
    written = 0
    for s in STARTER:
        if s.slug in have:
            continue
        original = ids.get(s.translates) if s.translates else None
        ids[s.slug] = actions.create_article(
            engine=engine, actor=actor, now=now, kind=s.kind, language=s.language, title=s.title, body=s.body,
            tags=s.tags, slug=s.slug, translation_of=original,
        )  # fmt: skip
        for kind, key in s.links:
            actions.link(engine=engine, actor=actor, now=now, article_id=ids[s.slug], target_kind=kind,
                         target_key=key)  # fmt: skip
        written += 1
    return written

"""One generated Python function per topic: the exact checks of the matcher without composed closures.

A topic's query is first *planned*: ``AND``, ``OR``, ``NOT``, ``topic:`` references, plain words and
field filters become nodes that are written out inline; everything else (wildcards, hashtags, handles,
domains, URLs, phrases, ``NEAR``, ``title:``, ``author:``, ``site:``) stays a closure from
:class:`~luister.domain.matcher_checks.Compiler`, called from the generated code. Once the prefilter's keys
are known, the plan is written as the source of one function, compiled once::

    def _make(_c0, _c1, _c2):
        def check(s):
            F = s.found
            H = s.has_value
            P = s.padded
            return (_c0 in F and (_c1 in P or H(_c0))) and not (_c2 in F)
        return check

**No query text is ever part of the source.** Every literal (word, field value, number, closure) is
passed to ``_make`` as an argument, and the source holds only generated names (``_c0``), the local names
above, keywords and operators; the code runs without builtins. A hostile literal can therefore not
change what the code does.

The generated code reads from the mention's state (``s``, :class:`luister.domain.matcher._State`):

* ``s.found``: the prefilter's keys seen in the mention, and the keys of its field values. A key that
  the prefilter scans for and did not see rules out every word and clause needing it.
* ``s.haystack``: what the prefilter scanned (text, title, author, URL; hyphens removed), for keys it
  does not scan for: too short to be worth it in every mention, but cheap to look for in a candidate.
* ``s.padded``: the normalised text (and title) with a space around: ``" voltaro "`` in it means the
  plain word occurs without tokenising anything; likewise ``" #voltaro "`` for ``#voltaro`` and
  ``" klant "`` for ``klant*`` (chunks the reference evaluator matches on their own).
* ``s.has_value``: whether a plain word occurs, answered from the chunks that hold it.
* ``s.doc``: the mention, for ``followers:``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from luister.domain.matcher_checks import (
    FIELD_KEY,
    Check,
    Clauses,
    Compiler,
    cheap,
    field_key,
    simple_value,
)
from luister.domain.queries import (
    And,
    Field,
    Followers,
    Handle,
    Hashtag,
    MatchDoc,
    Not,
    Or,
    Query,
    Term,
    TopicRef,
    evaluate,
)
from luister.domain.text_tokens import normalise, tokenize

MAX_DEPTH = 40  # deeper subtrees stay closures: Python's parser limits nesting
MAX_CLAUSE_GUARD = 4  # a clause with more keys is not worth testing key by key


@dataclass(frozen=True, slots=True)
class _Value:
    """A plain word: ``voltaro``, ``auto's``."""

    value: str


@dataclass(frozen=True, slots=True)
class _FieldKey:
    """``lang:nl``, ``channel:mastodon`` and the like: one of the mention's field keys."""

    key: str


@dataclass(frozen=True, slots=True)
class _Followers:
    low: int
    high: int


@dataclass(frozen=True, slots=True, eq=False)
class _Leaf:
    """A closure from :class:`Compiler`, with the clauses that must hold for it to hold."""

    check: Check
    clauses: Clauses
    chunks: tuple[str, ...] = ()  # padded chunks that certainly make it hold: `` #voltaro ``, `` klant ``


@dataclass(frozen=True, slots=True)
class _Bool:
    every: bool  # AND, else OR
    items: tuple[_Plan, ...]


@dataclass(frozen=True, slots=True)
class _Not:
    item: _Plan


@dataclass(frozen=True, slots=True)
class _Ref:
    name: str  # the resolved topic name


_Plan = _Value | _FieldKey | _Followers | _Leaf | _Bool | _Not | _Ref


@dataclass(frozen=True, slots=True)
class Generated:
    """A generated check and the source it was compiled from (which holds no query text)."""

    check: Check
    source: str


class Generator:
    """Plans every topic while the prefilter's keys are collected; writes the functions afterwards."""

    def __init__(self, compiler: Compiler) -> None:
        self.compiler = compiler
        self.plans: dict[str, _Plan] = {}  # referenced topics, by name
        self.references: dict[str, Generated] = {}

    # -- planning ---------------------------------------------------------------------------------------

    def plan(self, node: Query, depth: int = 0) -> _Plan:
        compiler = self.compiler
        if depth > MAX_DEPTH:
            return _Leaf(compiler.check(node), ())
        if isinstance(node, And | Or):
            values = [simple_value(item) for item in node.items]
            first = [
                item for item, value in zip(node.items, values, strict=True) if value is None and cheap(item)
            ]
            last = [
                item
                for item, value in zip(node.items, values, strict=True)
                if value is None and not cheap(item)
            ]
            words = tuple(_Value(compiler.gate(value)) for value in values if value is not None)
            items = (
                *(self.plan(item, depth + 1) for item in first),
                *words,
                *(self.plan(item, depth + 1) for item in last),
            )
            return _Bool(isinstance(node, And), items)
        if isinstance(node, Not):
            return _Not(self.plan(node.query, depth + 1))
        if isinstance(node, TopicRef):
            name = compiler.resolve(node.name)
            if name not in self.plans:
                self.plans[name] = self.plan(compiler.topics[name])
            return _Ref(name)
        if isinstance(node, Followers):
            low = -1 if node.minimum is None else node.minimum
            high = 2**63 if node.maximum is None else node.maximum
            return _Followers(low, high)
        if isinstance(node, Field) and node.name not in ("author", "site"):
            return _FieldKey(field_key(node))
        value = simple_value(node)
        if value is not None:
            return _Value(compiler.gate(value))
        return _Leaf(compiler.check(node), compiler.clauses(node), _chunks(node))

    # -- writing ----------------------------------------------------------------------------------------

    def generate(
        self, plan: _Plan, guards: Sequence[frozenset[str]], scanned: frozenset[str], name: str
    ) -> Generated:
        """The function for ``plan``, testing the clauses ``guards`` first (only those it can test)."""
        writer = _Writer(scanned, self.reference(scanned))
        tests = [test for test in map(writer.clause, guards) if test is not None]
        expression = " and ".join([*tests, writer.write(plan)])
        return writer.build(expression, f"<topic check {name!r}>")

    def reference(self, scanned: frozenset[str]) -> Callable[[str], Check]:
        def generated(name: str) -> Check:
            if name not in self.references:
                clauses = self.compiler.clauses(self.compiler.topics[name])
                self.references[name] = self.generate(self.plans[name], clauses, scanned, name)
            return self.references[name].check

        return generated


class _Writer:
    """Writes one plan as Python source; every literal becomes an argument of ``_make``."""

    def __init__(self, scanned: frozenset[str], reference: Callable[[str], Check]) -> None:
        self.scanned = scanned
        self.reference = reference
        self.names: dict[tuple[object, ...], str] = {}
        self.values: list[object] = []
        self.uses: dict[str, str] = {}  # local name → what it is read from

    def constant(self, value: object) -> str:
        key = (type(value), value) if isinstance(value, str | int) else (id(value),)
        name = self.names.get(key)
        if name is None:
            name = self.names[key] = f"_c{len(self.values)}"
            self.values.append(value)
        return name

    def local(self, name: str) -> str:
        self.uses[name] = {"F": "found", "S": "haystack", "H": "has_value", "P": "padded", "D": "doc"}[name]
        return name

    def occurs(self, key: str) -> str:
        """Whether a key occurs: a field key or a scanned key is in ``s.found``, any other in the text."""
        where = "F" if key in self.scanned or key.startswith(FIELD_KEY) else "S"
        return f"{self.constant(key)} in {self.local(where)}"

    def clause(self, clause: frozenset[str]) -> str | None:
        if not clause or len(clause) > MAX_CLAUSE_GUARD:
            return None
        tests = [self.occurs(key) for key in sorted(clause)]
        return tests[0] if len(tests) == 1 else f"({' or '.join(tests)})"

    def write(self, plan: _Plan) -> str:
        if isinstance(plan, _Bool):
            if not plan.items:
                return "True" if plan.every else "False"
            joiner = " and " if plan.every else " or "
            return f"({joiner.join(map(self.write, plan.items))})"
        if isinstance(plan, _Not):
            return f"(not {self.write(plan.item)})"
        if isinstance(plan, _Value):
            return self.value(plan.value)
        if isinstance(plan, _FieldKey):
            return f"({self.occurs(plan.key)})"
        if isinstance(plan, _Followers):
            doc, low, high = self.local("D"), self.constant(plan.low), self.constant(plan.high)
            return f"({doc}.followers is not None and {low} <= {doc}.followers <= {high})"
        if isinstance(plan, _Ref):
            return f"{self.constant(self.reference(plan.name))}(s)"
        tests = [test for test in map(self.clause, plan.clauses) if test is not None]
        call = f"{self.constant(plan.check)}(s)"
        if plan.chunks:  # written plainly: no chunk needs looking at
            padded = self.local("P")
            call = " or ".join([*(f"{self.constant(chunk)} in {padded}" for chunk in plan.chunks), call])
            call = f"({call})"
        return f"({' and '.join([*tests, call])})"

    def value(self, value: str) -> str:
        """Whether a plain word occurs: a chunk of the padded text that certainly gives it (`` voltaro ``,
        `` #voltaro ``, `` voltaro's ``), else by looking at the chunks that hold it."""
        name = self.constant(value)
        forms = [form for form in _FORMS if _gives(form.format(value), value)]
        tests = [f"{self.constant(f' {form.format(value)} ')} in {self.local('P')}" for form in forms]
        tests.append(f"{self.local('H')}({name})")
        return f"({self.occurs(value)} and ({' or '.join(tests)}))"

    def build(self, expression: str, filename: str) -> Generated:
        lines = [f"def _make({', '.join(self.names.values())}):", "    def check(s):"]
        lines += [f"        {local} = s.{attribute}" for local, attribute in sorted(self.uses.items())]
        lines += [f"        return {expression}", "    return check", ""]
        source = "\n".join(lines)
        namespace: dict[str, Callable[..., Check]] = {}
        exec(compile(source, filename, "exec"), {"__builtins__": {}}, namespace)  # no query text in source
        return Generated(namespace["_make"](*self.values), source)


_FORMS = ("{}", "#{}", "@{}", "{}'s", "{},")  # how words are often written, as chunks


def _chunks(node: Query) -> tuple[str, ...]:
    """For a wildcard, hashtag or handle: the padded chunks (`` #voltaro ``, `` klant ``, `` klant's ``)
    whose presence makes it hold, as the reference evaluator says of the chunk alone. A chunk is
    tokenised the same wherever it stands, and these constructs hold when one of their tokens does."""
    if isinstance(node, Term) and "*" in node.text:
        base = node.text.replace("*", "")
    elif isinstance(node, Hashtag | Handle):
        base = node.text.replace("*", "")
    else:
        return ()
    chunks = dict.fromkeys(form.format(base) for form in _FORMS)
    return tuple(
        f" {chunk} "
        for chunk in chunks
        if chunk
        and not any(char.isspace() for char in chunk)
        and normalise(chunk) == chunk
        and evaluate(node, MatchDoc(text=chunk))
    )


def _gives(chunk: str, value: str) -> bool:
    """Whether a chunk (a run of non-white-space) that is exactly ``chunk`` makes ``value`` occur."""
    return bool(chunk) and not any(char.isspace() for char in chunk) and value in tokenize(chunk).values()


def generate_checks(
    compiler: Compiler,
    topics: Mapping[int, Query],
    guards: Mapping[int, Clauses],
    scanned_keys: Callable[[], frozenset[str]],
) -> dict[int, Generated]:
    """A generated check for every topic, testing its ``guards`` first.

    ``scanned_keys`` is called once every topic is planned (planning adds keys the prefilter scans for).
    """
    generator = Generator(compiler)
    plans = {topic_id: generator.plan(query) for topic_id, query in topics.items()}
    scanned = scanned_keys()
    return {
        topic_id: generator.generate(plan, guards.get(topic_id, ()), scanned, str(topic_id))
        for topic_id, plan in plans.items()
    }

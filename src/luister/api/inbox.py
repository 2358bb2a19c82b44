"""The inbox over REST: ``/conversations`` (the views with their counts, one conversation with its messages,
timeline, tags, route and author, and working it), and how the inbox is set up: ``/departments`` with their
people, ``/routing-rules`` (and trying one before saving it), ``/sla-policies`` and ``/canned-responses``.

Reading takes ``view``; working a conversation ``correct`` (agents); changing the set-up ``manage``
(analysts), within the caller's own department unless they work across departments. A conversation outside
the caller's departments answers 404, as one that does not exist. Every change is one action of
:mod:`luister.inbox.actions` or :mod:`luister.inbox.setup` (which audits it), as of the runtime's clock."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from luister.api.auth import acting, caller
from luister.api.inbox_schemas import (
    AnsweredElsewhereCreate,
    AssignmentUpdate,
    BulkCreate,
    BulkProblemRead,
    BulkRead,
    CannedResponseRead,
    CannedResponseUpdate,
    ConversationDetailRead,
    ConversationPage,
    DepartmentKey,
    DepartmentRead,
    DepartmentUpdate,
    Email,
    Language,
    MemberUpdate,
    MergeCreate,
    NoteCreate,
    PriorityUpdate,
    RoutingRuleRead,
    RoutingRuleUpdate,
    RuleSimulationCreate,
    RuleSimulationRead,
    SlaPolicyRead,
    SlaPolicyUpdate,
    StatusUpdate,
    TagsUpdate,
    TransferCreate,
)
from luister.api.problems import ApiError, invalid, query_problem, responses
from luister.api.schemas import NO_CONTROL, Intent, Name
from luister.domain.accounts import Permission
from luister.domain.addressing import MAX_ID
from luister.domain.query_tree import QueryReferenceError, QuerySyntaxError
from luister.inbox import actions, setup
from luister.inbox.model import (
    Conflict,
    InboxError,
    NotAMember,
    NotYours,
    UnknownConversation,
    UnknownDepartment,
)
from luister.inbox.read import (
    Filters,
    View,
    conversation_detail,
    department_keys,
    list_canned,
    list_conversations,
    list_departments,
    list_policies,
    list_rules,
)
from luister.inbox.rules import RuleProblem
from luister.inbox.status import Move, Priority, Status
from luister.runtime import Runtime
from luister.services.accounts import UserRead
from luister.services.events import EventBus

ConversationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The conversation's id.", examples=[1])]
KeyPath = Annotated[DepartmentKey, Path(description="The department's key.", examples=["customer-service"])]
EmailPath = Annotated[Email, Path(description="The person's e-mail.", examples=["anouk@voltaro.nl"])]
NamePath = Annotated[Name, Path(description="The name.")]
FilterText = Annotated[str | None, Query(max_length=200, pattern=NO_CONTROL)]
_RULE_FIELDS_OUTSIDE_CONDITIONS = {"priority", "tags", "conditions"}


def _rule_problem(exc: RuleProblem) -> ApiError:
    if exc.field == "name":
        loc: list[str | int] = ["path", "name"]
    elif exc.field in _RULE_FIELDS_OUTSIDE_CONDITIONS:
        loc = ["body", exc.field]
    else:
        loc = ["body", "conditions", exc.field]
    problem = invalid(str(exc))
    problem.extra["errors"] = [{"loc": loc, "msg": exc.problem, "type": "value_error"}]
    return problem


@contextmanager
def refusals(*, department_on_path: bool = False, account_on_path: bool = False) -> Iterator[None]:
    """The inbox's refusals as problem answers: unknown (or unseen) conversation 404, a change the
    conversation's state does not allow 409, input the inbox refuses 422 (an unknown department or
    account named in the path: 404)."""
    try:
        yield
    except UnknownConversation as exc:
        raise ApiError(404, str(exc)) from None
    except Conflict as exc:
        raise ApiError(409, str(exc)) from None
    except UnknownDepartment as exc:
        raise (ApiError(404, str(exc)) if department_on_path else invalid(f"department: {exc}")) from None
    except NotYours as exc:
        raise ApiError(403, str(exc)) from None
    except NotAMember as exc:
        raise (ApiError(404, str(exc)) if account_on_path else invalid(str(exc))) from None
    except RuleProblem as exc:
        raise _rule_problem(exc) from None
    except QuerySyntaxError as exc:
        raise query_problem(exc, field="conditions.query") from None
    except QueryReferenceError as exc:
        raise invalid(f"conditions.query: {exc}") from None
    except InboxError as exc:
        raise invalid(str(exc)) from None


def _own(user: UserRead, key: str | None) -> None:
    """Someone of a department changes only their own department's set-up."""
    if not user.scope.owns(key):
        raise ApiError(
            403, f"only people of {key or 'every department'} (or across departments) may change this"
        )


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["inbox"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Worker = Annotated[UserRead, Depends(acting(engine, Permission.correct, lambda: runtime.clock()))]
    Manager = Annotated[UserRead, Depends(acting(engine, Permission.manage, lambda: runtime.clock()))]
    buses: list[EventBus] = []

    def bus() -> EventBus:
        """The runtime's event bus, made at the first change (subscribers hear of it after the commit)."""
        if not buses:
            buses.append(runtime.event_bus())
        return buses[0]

    def detail_for(user: UserRead, conversation_id: int) -> ConversationDetailRead:
        with refusals():
            found = conversation_detail(engine=engine, conversation_id=conversation_id, scope=user.scope)
        return ConversationDetailRead.of_detail(found)

    def worked(
        user: UserRead, conversation_id: int, work: Callable[[dict[str, Any]], object]
    ) -> ConversationDetailRead:
        common = {
            "engine": engine,
            "conversation_id": conversation_id,
            "actor": user.email,
            "now": runtime.clock(),
            "scope": user.scope,
            "bus": bus(),
        }
        with refusals():
            work(common)
        return detail_for(user, conversation_id)

    # --- conversations ---------------------------------------------------------------------------------

    @router.get("/conversations", response_model=ConversationPage, responses=responses(403))
    def conversations_list(
        user: Reader,
        view: Annotated[
            View,
            Query(description="mine, unassigned, departments, all (open), breaching, snoozed or resolved."),
        ] = View.all,
        department: Annotated[str | None, Query(max_length=40, pattern=NO_CONTROL)] = None,
        status: Status | None = None,
        priority: Priority | None = None,
        intent: Intent | None = None,
        channel: Annotated[str | None, Query(max_length=40, pattern=NO_CONTROL)] = None,
        tag: Annotated[str | None, Query(max_length=60, pattern=NO_CONTROL)] = None,
        assignee: Annotated[str | None, Query(max_length=254, pattern=NO_CONTROL)] = None,
        q: Annotated[FilterText, Query(description="Words in the subject or the author's handle.")] = None,
        page: Annotated[int, Query(ge=1, le=10_000)] = 1,
        per_page: Annotated[int, Query(ge=1, le=200)] = 50,
        after: Annotated[
            str | None,
            Query(
                max_length=80,
                pattern=r"^[0-9n.-]+$",
                description="The previous page's `next_after`: the page after it, as fast however deep "
                "(`page` is then only echoed). Without it, `page` counts from the start.",
            ),
        ] = None,
    ) -> ConversationPage:
        """One page of a view of the conversations in the caller's departments, with the counts of every
        view; `department` (422 when there is none), `status`, `priority`, `intent`, `channel`, `tag`,
        `assignee` and `q` narrow it down."""
        if department and department not in department_keys(engine=engine):
            raise invalid(f"department: there is no department {department!r}")
        filters = Filters(
            department=department or None,
            status=status.value if status else None,
            priority=priority.value if priority else None,
            intent=intent,
            channel=channel,
            tag=tag,
            assignee=assignee,
            text=q,
        )
        try:
            found = list_conversations(
                engine=engine,
                view=view,
                scope=user.scope,
                user_id=user.id,
                filters=filters,
                page=page,
                now=runtime.clock(),
                per_page=per_page,
                after=after,
            )
        except ValueError as exc:
            raise invalid(f"after: {exc}") from exc
        return ConversationPage.of(found, per_page)

    @router.post("/conversations/bulk", response_model=BulkRead, responses=responses(400, 403, 409))
    def conversations_bulk(body: BulkCreate, user: Worker) -> BulkRead:
        """Assign, resolve or tag many conversations; each is changed on its own, and what could not be
        changed is listed with why."""
        with refusals():
            problems = actions.bulk(
                engine=engine,
                conversation_ids=body.ids,
                operation=body.operation,
                actor=user.email,
                now=runtime.clock(),
                scope=user.scope,
                assignee=body.assignee,
                tags=body.tags,
                bus=bus(),
            )
        return BulkRead(
            done=[i for i in dict.fromkeys(body.ids) if i not in problems],
            problems=[BulkProblemRead(id=i, problem=p) for i, p in problems.items()],
        )

    @router.get(
        "/conversations/{conversation_id}",
        response_model=ConversationDetailRead,
        responses=responses(403, 404),
    )
    def conversation_read(conversation_id: ConversationId, user: Reader) -> ConversationDetailRead:
        """One conversation: its messages, timeline, tags, why it went where it is, and the author's other
        conversations and mentions."""
        return detail_for(user, conversation_id)

    @router.post(
        "/conversations/{conversation_id}/status",
        response_model=ConversationDetailRead,
        responses=responses(400, 403, 404, 409),
    )
    def conversation_status(
        conversation_id: ConversationId, body: StatusUpdate, user: Worker
    ) -> ConversationDetailRead:
        """Open, wait on the customer or a department, snooze until a time, wake, resolve or reopen (409
        when the conversation's status does not allow it, or a snooze is not in the future)."""
        return worked(
            user,
            conversation_id,
            lambda c: actions.move(to=Move(body.move), snooze_until=body.snooze_until, **c),
        )

    @router.post(
        "/conversations/{conversation_id}/assign",
        response_model=ConversationDetailRead,
        responses=responses(400, 403, 404, 409),
    )
    def conversation_assign(
        conversation_id: ConversationId, body: AssignmentUpdate, user: Worker
    ) -> ConversationDetailRead:
        """Give it to a member of its department (422 for anyone else), or back to the queue (null)."""
        return worked(user, conversation_id, lambda c: actions.assign(assignee=body.assignee, **c))

    @router.post(
        "/conversations/{conversation_id}/transfer",
        response_model=ConversationDetailRead,
        responses={
            **responses(400, 403, 404, 409),
            204: {
                "description": "Transferred to a department outside the caller's: no longer theirs to see."
            },
        },
    )
    def conversation_transfer(
        conversation_id: ConversationId, body: TransferCreate, user: Worker
    ) -> ConversationDetailRead | Response:
        """Transfer (or escalate) to another department with a reason everyone sees; it goes to that
        department's queue. Answers 204 when the caller does not see the department it went to."""
        with refusals():
            actions.transfer(
                engine=engine, conversation_id=conversation_id, to_department=body.department,
                reason=body.reason, priority=body.priority, actor=user.email, now=runtime.clock(),
                scope=user.scope, bus=bus(),
            )  # fmt: skip
        try:
            return detail_for(user, conversation_id)
        except ApiError:
            return Response(status_code=204)

    @router.post(
        "/conversations/{conversation_id}/notes",
        response_model=ConversationDetailRead,
        responses=responses(400, 403, 404, 409),
    )
    def conversation_note(
        conversation_id: ConversationId, body: NoteCreate, user: Worker
    ) -> ConversationDetailRead:
        """An internal note; colleagues named @e-mail or @first-name are notified."""
        return worked(user, conversation_id, lambda c: actions.add_note(body=body.body, **c))

    @router.post(
        "/conversations/{conversation_id}/tags",
        response_model=ConversationDetailRead,
        responses=responses(400, 403, 404, 409),
    )
    def conversation_tags(
        conversation_id: ConversationId, body: TagsUpdate, user: Worker
    ) -> ConversationDetailRead:
        return worked(user, conversation_id, lambda c: actions.tag(add=body.add, remove=body.remove, **c))

    @router.post(
        "/conversations/{conversation_id}/priority",
        response_model=ConversationDetailRead,
        responses=responses(400, 403, 404),
    )
    def conversation_priority(
        conversation_id: ConversationId, body: PriorityUpdate, user: Worker
    ) -> ConversationDetailRead:
        return worked(user, conversation_id, lambda c: actions.set_priority(priority=body.priority, **c))

    @router.post(
        "/conversations/{conversation_id}/answered-elsewhere",
        response_model=ConversationDetailRead,
        responses=responses(400, 403, 404, 409),
    )
    def conversation_answered_elsewhere(
        conversation_id: ConversationId, body: AnsweredElsewhereCreate, user: Worker
    ) -> ConversationDetailRead:
        """The customer was answered by phone, e-mail or in person: it counts as the response, and
        (unless `resolve` is false) resolves the conversation (409 when it is resolved already)."""
        return worked(
            user,
            conversation_id,
            lambda c: actions.answered_elsewhere(how=body.how, note=body.note, resolve=body.resolve, **c),
        )

    @router.post(
        "/conversations/{conversation_id}/merge",
        response_model=ConversationDetailRead,
        responses=responses(400, 403, 404, 409),
    )
    def conversation_merge(
        conversation_id: ConversationId, body: MergeCreate, user: Worker
    ) -> ConversationDetailRead:
        """Move this conversation's messages into `into` (422 when the caller sees no such conversation);
        this one is resolved and points at it."""
        try:
            return worked(user, conversation_id, lambda c: actions.merge(into=body.into, **c))
        except ApiError as exc:
            if exc.status == 404 and exc.detail == f"no conversation #{body.into}":
                raise invalid(f"into: no conversation #{body.into}") from None
            raise

    # --- departments -----------------------------------------------------------------------------------

    def department_read(key: str) -> DepartmentRead:
        for found in list_departments(engine=engine):
            if found.key == key:
                return DepartmentRead.of(found)
        raise ApiError(404, f"there is no department {key!r}")

    @router.get("/departments", response_model=list[DepartmentRead], responses=responses(403))
    def departments_list(user: Reader) -> list[DepartmentRead]:
        """Every department with its business hours, people (languages, capacity, availability, load)
        and open conversations."""
        return [DepartmentRead.of(d) for d in list_departments(engine=engine)]

    @router.put("/departments/{key}", response_model=DepartmentRead, responses=responses(400, 403))
    def department_save(key: KeyPath, body: DepartmentUpdate, user: Manager) -> DepartmentRead:
        """Create or change a department (`key`: lower-case letters, digits and dashes)."""
        _own(user, key)
        with refusals():
            setup.save_department(
                scope=user.scope,
                engine=engine,
                actor=user.email,
                key=key,
                name_en=body.name_en,
                name_nl=body.name_nl,
                calendar=body.calendar.to_json() if body.calendar else None,
                digest_every=body.digest_every,
                assignment=body.assignment.value,
                reclaim_minutes=body.reclaim_minutes,
            )
        return department_read(key)

    @router.put(
        "/departments/{key}/members/{email}",
        response_model=DepartmentRead,
        responses=responses(400, 403, 404),
    )
    def department_member_save(
        key: KeyPath, email: EmailPath, body: MemberUpdate, user: Manager
    ) -> DepartmentRead:
        """Add someone to a department, or change their languages, capacity or availability (available:
        the department's queue drains to them)."""
        _own(user, key)
        with refusals(department_on_path=True, account_on_path=True):
            setup.set_member(
                scope=user.scope,
                engine=engine,
                actor=user.email,
                department_key=key,
                email=email,
                languages=body.languages,
                capacity=body.capacity,
                availability=body.availability.value,
                now=runtime.clock(),
            )
        return department_read(key)

    @router.delete(
        "/departments/{key}/members/{email}",
        status_code=204,
        response_class=Response,
        responses=responses(403, 404),
    )
    def department_member_remove(key: KeyPath, email: EmailPath, user: Manager) -> Response:
        """Take someone out of a department (their conversations there stay theirs until reassigned)."""
        _own(user, key)
        with refusals(department_on_path=True, account_on_path=True):
            setup.remove_member(
                scope=user.scope, engine=engine, actor=user.email, department_key=key, email=email
            )
        return Response(status_code=204)

    # --- routing rules ---------------------------------------------------------------------------------

    def rule_named(name: str) -> RoutingRuleRead | None:
        wanted = " ".join(name.split())
        return next((RoutingRuleRead.of(r) for r in list_rules(engine=engine) if r.name == wanted), None)

    @router.get("/routing-rules", response_model=list[RoutingRuleRead], responses=responses(403))
    def routing_rules_list(user: Reader) -> list[RoutingRuleRead]:
        """The routing rules in the order they are tried; the first enabled one that holds routes."""
        return [RoutingRuleRead.of(r) for r in list_rules(engine=engine)]

    @router.post("/routing-rules/simulate", response_model=RuleSimulationRead, responses=responses(400, 403))
    def routing_rule_simulate(body: RuleSimulationCreate, user: Manager) -> RuleSimulationRead:
        """What a rule, unsaved, would have routed over the last `days`: how many, where they went without
        it, and examples (an invalid query answers 422 with its position)."""
        with refusals():
            found = setup.simulate_rule(
                engine=engine,
                conditions=body.conditions.to_json(),
                department_key=body.department,
                now=runtime.clock(),
                days=body.days,
            )
        return RuleSimulationRead.of(found)

    @router.put("/routing-rules/{name}", response_model=RoutingRuleRead, responses=responses(400, 403))
    def routing_rule_save(name: NamePath, body: RoutingRuleUpdate, user: Manager) -> RoutingRuleRead:
        """Create or replace a routing rule (an invalid query answers 422 with its position, line and
        column; an unknown department or topic 422)."""
        _own(user, body.department)
        existing = rule_named(name)
        if existing is not None:
            _own(user, existing.department)
        with refusals():
            setup.save_rule(
                engine=engine,
                actor=user.email,
                name=name,
                conditions=body.conditions.to_json(),
                department_key=body.department,
                priority=body.priority.value if body.priority else None,
                tags=body.tags,
                position=body.position,
                enabled=body.enabled,
            )
        saved = rule_named(name)
        assert saved is not None
        return saved

    @router.delete(
        "/routing-rules/{name}", status_code=204, response_class=Response, responses=responses(403, 404)
    )
    def routing_rule_remove(name: NamePath, user: Manager) -> Response:
        existing = rule_named(name)
        if existing is None:
            raise ApiError(404, f"there is no routing rule {name!r}")
        _own(user, existing.department)
        try:
            setup.remove_rule(engine=engine, actor=user.email, name=existing.name)
        except InboxError as exc:  # removed meanwhile
            raise ApiError(404, str(exc)) from None
        return Response(status_code=204)

    # --- SLA policies and canned responses -------------------------------------------------------------

    @router.get("/sla-policies", response_model=list[SlaPolicyRead], responses=responses(403))
    def sla_policies_list(user: Reader) -> list[SlaPolicyRead]:
        """The SLA targets per department and priority."""
        return [SlaPolicyRead.of(p) for p in list_policies(engine=engine)]

    @router.put(
        "/sla-policies/{key}/{priority}", response_model=SlaPolicyRead, responses=responses(400, 403, 404)
    )
    def sla_policy_save(
        key: KeyPath, priority: Priority, body: SlaPolicyUpdate, user: Manager
    ) -> SlaPolicyRead:
        """Set a department's SLA targets for one priority (from now on; running clocks follow at their
        next change)."""
        _own(user, key)
        with refusals(department_on_path=True):
            setup.save_policy(
                scope=user.scope,
                engine=engine,
                actor=user.email,
                department_key=key,
                priority=priority.value,
                first_response_minutes=body.first_response_minutes,
                next_response_minutes=body.next_response_minutes,
                resolution_minutes=body.resolution_minutes,
                warn_minutes=body.warn_minutes,
                business_hours=body.business_hours,
            )
        return next(
            SlaPolicyRead.of(p)
            for p in list_policies(engine=engine)
            if p.department == key and p.priority == priority.value
        )

    @router.get("/canned-responses", response_model=list[CannedResponseRead], responses=responses(403))
    def canned_responses_list(user: Reader, language: Language | None = None) -> list[CannedResponseRead]:
        """Canned responses by name, in one language or both."""
        return [
            CannedResponseRead.of(c) for c in list_canned(engine=engine, language=language, scope=user.scope)
        ]

    @router.put(
        "/canned-responses/{name}/{language}",
        response_model=CannedResponseRead,
        responses=responses(400, 403),
    )
    def canned_response_save(
        name: NamePath, language: Language, body: CannedResponseUpdate, user: Manager
    ) -> CannedResponseRead:
        """Create or change a canned response in one language (an unknown {variable} answers 422); for
        someone of a department it is always their department's."""
        department = user.scope.department or body.department
        wanted = " ".join(name.split())
        for existing in list_canned(engine=engine, language=language):
            if existing.name == wanted:
                _own(user, existing.department)
        with refusals():
            setup.save_canned(
                scope=user.scope,
                engine=engine,
                actor=user.email,
                name=name,
                language=language,
                body=body.body,
                department_key=department,
            )
        return next(
            CannedResponseRead.of(c)
            for c in list_canned(engine=engine, language=language)
            if c.name == wanted
        )

    return router

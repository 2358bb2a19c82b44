"""``POST /ingest/{source}``: webhook push, signed with the source's secret instead of an API token."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from fastapi.concurrency import run_in_threadpool

from luister.api.problems import ApiError, responses
from luister.api.schemas import NO_CONTROL, PushResultRead
from luister.plugins import load_plugins
from luister.services.ingest_push import MAX_BODY_BYTES, MAX_ITEMS, PushError, PushReceiver
from luister.web.context import Web

STATUS = {"unknown_source": 404, "switched_off": 409, "signature": 401, "malformed": 400, "too_large": 413}
CHALLENGE = {
    "WWW-Authenticate": 'HMAC-SHA256 realm="luister", headers="X-Luister-Timestamp X-Luister-Signature"'
}
RECORD = {"type": "object", "description": "A mention in luister's import format (docs/api.md)."}
BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    RECORD,
                    {"type": "array", "items": RECORD, "maxItems": MAX_ITEMS},
                    {
                        "type": "object",
                        "properties": {"mentions": {"type": "array", "items": RECORD, "maxItems": MAX_ITEMS}},
                        "required": ["mentions"],
                    },
                ]
            }
        }
    },
}


def routes(web: Web, *, connectors: dict[str, type[Any]]) -> APIRouter:
    from luister.alerts.watch import alert_events
    from luister.services.analysis import ingest_enrichers

    router = APIRouter(tags=["ingest"])
    receiver = PushReceiver(
        engine=web.engine,
        connectors=connectors,
        analysis=lambda: ingest_enrichers(settings=web.settings),
        plugins=lambda: load_plugins().enrichers(),
        events=lambda: alert_events(engine=web.engine, settings=web.settings),
    )

    @router.post(
        "/ingest/{source}",
        status_code=202,
        response_model=PushResultRead,
        openapi_extra={"requestBody": BODY},
        responses=responses(400, 404, 409, 413),
    )
    async def ingest_push(
        request: Request,
        source: Annotated[
            str, Path(min_length=1, max_length=120, pattern=NO_CONTROL, description="A webhook source.")
        ],
        x_luister_timestamp: Annotated[
            str | None, Header(description="Unix seconds, within 300 s of ours.")
        ] = None,
        x_luister_signature: Annotated[
            str | None,
            Header(description="`sha256=` + hex HMAC-SHA256 with the secret of `<timestamp>.<raw body>`."),
        ] = None,
    ) -> PushResultRead:
        """Store pushed mentions (one object, an array, or `{"mentions": [...]}`, at most 1000 and 5 MB).
        Items that cannot be mapped are quarantined and listed in `rejected`; the others are stored."""
        body = await _read_body(request)
        try:
            result = await run_in_threadpool(
                receiver.receive,
                source_name=source,
                body=body,
                timestamp=x_luister_timestamp,
                signature=x_luister_signature,
            )
        except PushError as exc:
            status = STATUS[exc.kind]
            raise ApiError(
                status, str(exc), headers=CHALLENGE if status == 401 else None, **exc.extra
            ) from None
        return PushResultRead.of(result)

    return router


async def _read_body(request: Request) -> bytes:
    """The raw body (the signature covers its bytes), refused with 413 past :data:`MAX_BODY_BYTES`."""
    too_large = ApiError(413, f"the body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)

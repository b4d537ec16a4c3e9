"""``POST /api/v1/feeds`` and the OpenAPI description at ``/api/v1/schema``.

Built on django-ninja, which writes the OpenAPI description from the code and
provides bearer authentication and throttling. The endpoint takes the body
itself rather than declaring it as a parameter: a feed may be tens of megabytes
of JSON Lines, read as a stream, and it may arrive as the body or as a file, so
the request body is described to OpenAPI by hand (``openapi_extra``).

Order of checks: token (401), rate (429), content type (415), size (413), a
readable body (400); then every line is ingested and answered for.
"""

from __future__ import annotations

import tempfile
from typing import IO, Any, BinaryIO, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from ninja import NinjaAPI, Status
from ninja.errors import AuthenticationError, Throttled

from sightline.api.auth import UNAUTHORISED, AgencyToken, TokenRateThrottle
from sightline.api.bodies import (
    FEED_V1_TYPES,
    UnsupportedBodyType,
    body_reader_for,
    feed_lines_from_body,
    media_type_of_file,
)
from sightline.api.models import ApiToken
from sightline.api.schemas import ApiError, FeedResult, LineResult, PartialFeedResult
from sightline.feeds.services import FileResult, feed_ingest_stream

# Bodies up to this size are held in memory while read; larger ones spill to a file.
SPOOL_BYTES = 1024 * 1024
READ_CHUNK = 64 * 1024

api = NinjaAPI(
    title="Sightline partner API",
    version="1",
    description=(
        "Partner agencies send feed v1 records (JSON Lines, one record a line) with their"
        " agency's API token. Every line is answered for: accepted, duplicate, superseded,"
        " stale, or rejected and kept in quarantine with its reasons. An agency may send"
        " records only for itself."
    ),
    openapi_url="/schema",
    docs_url=None,  # Swagger UI would load scripts from a CDN; the description is enough
    urls_namespace="api",
)


class BodyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": UNAUTHORISED}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="sightline"'
    return response


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    message = (
        f"Too many requests for this token: the limit is {settings.SIGHTLINE_API_RATE_LIMIT}."
        " Wait the number of seconds in the Retry-After header, then send again; send"
        " more records in each request rather than more requests."
    )
    return api.create_response(request, {"detail": message}, status=429)


_JSONL_BODY = {"type": "string", "format": "binary"}
_REQUEST_BODY = {
    "required": True,
    "description": (
        "Feed v1 JSON Lines (one record object a line; see the feed v1 specification), as"
        " the body itself or as a multipart file field named 'file'. The body may be at most"
        " SIGHTLINE_API_MAX_BODY_BYTES bytes (32 MiB unless the partnership set otherwise)."
    ),
    "content": {
        **{media: {"schema": _JSONL_BODY} for media in FEED_V1_TYPES},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {**_JSONL_BODY, "description": "a feed v1 JSON Lines file"}},
            }
        },
    },
}


# What each answer means, in the OpenAPI description beside its schema.
_RESPONSES = {
    200: "The body was read and every line ingested; `records` answers for each line.",
    400: "The body could not be read: empty, cut short, broken multipart, or no 'file' field.",
    401: "No valid token: missing, unknown, revoked or expired (one answer for all).",
    413: "The body is larger than SIGHTLINE_API_MAX_BODY_BYTES; split it over requests.",
    415: "A content type the API does not read; `detail` lists those it does.",
    429: "Over the token's rate limit; the Retry-After header says how many seconds to wait.",
    503: "The database failed part way; what was taken is kept; send the same body again.",
}


@api.post(
    "/feeds",
    auth=AgencyToken(),
    throttle=[TokenRateThrottle()],
    response={
        200: FeedResult,
        400: ApiError,
        401: ApiError,
        413: ApiError,
        415: ApiError,
        429: ApiError,
        503: PartialFeedResult,
    },
    summary="Send feed v1 records",
    description=(
        "Ingests every line and answers for each. 200: the body was read; the counts add up"
        " (lines_read = accepted + duplicates + superseded + stale + rejected) and `records`"
        " gives each line's outcome. A line naming another agency is rejected (reason on"
        " `agency`) and kept in quarantine. 400: the body could not be read (empty, broken"
        " multipart, no 'file' field). 401: no valid token. 413: the body is over the limit."
        " 415: a content type the API does not read. 429: over the token's rate limit; see"
        " Retry-After. 503: the database failed part way; what was taken is kept, and"
        " sending the same body again completes it (records already held count as duplicates)."
    ),
    openapi_extra={
        "requestBody": _REQUEST_BODY,
        "responses": {code: {"description": text} for code, text in _RESPONSES.items()},
    },
)
def feeds_post(request: HttpRequest) -> Status[dict[str, Any]]:
    token = cast(ApiToken, request.auth)  # type: ignore[attr-defined]
    try:
        name, media_type, body = _read_body(request, settings.SIGHTLINE_API_MAX_BODY_BYTES)
    except (BodyError, UnsupportedBodyType) as exc:
        status = exc.status if isinstance(exc, BodyError) else 415
        return Status(status, {"detail": str(exc)})
    with body:
        result = feed_ingest_stream(
            stream=feed_lines_from_body(media_type=media_type, body=body, agency=token.agency.code),
            name=name,
            sent_by=f"api token {token.prefix} ({token.name})",
            only_agency=token.agency.code,
            report_lines=True,
        )
    answer = _answer(result, token)
    if result.error:
        detail = (
            f"The database failed after {result.lines_read} lines; they are kept. Send the"
            " same body again to finish: records already held count as duplicates."
        )
        return Status(503, {"detail": detail, "result": answer})
    return Status(200, answer)


def _answer(result: FileResult, token: ApiToken) -> dict[str, Any]:
    lines = result.lines or []
    return {
        "feed_file_id": result.feed_file_id,
        "agency": token.agency.code,
        "lines_read": result.lines_read,
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "superseded": result.superseded,
        "stale": result.stale,
        "rejected": result.rejected,
        "warnings": result.warnings,
        "blank_lines": result.blank_lines,
        "records": [
            LineResult(
                line=o.line,
                record_id=o.record_id or None,
                outcome=o.outcome,  # type: ignore[arg-type]
                reasons=o.reasons,
                warnings=o.warnings,
            )
            for o in lines
        ],
    }


def _declared_length(request: HttpRequest, limit: int) -> int:
    text = request.META.get("CONTENT_LENGTH") or "0"
    if not text.isdigit():
        raise BodyError(400, f"Content-Length: {text!r} is not a number of bytes")
    length = int(text)
    if length > limit:
        raise BodyError(413, _too_big(limit))
    return length


def _too_big(limit: int) -> str:
    return (
        f"The body is larger than this API takes ({limit:,} bytes). Split the records over"
        " several requests; each line is answered for, so nothing is lost by splitting."
    )


_EMPTY = (
    "The body is empty. Send feed v1 JSON Lines as the body (with a Content-Length header)"
    " or as a multipart/form-data file field named 'file'."
)


def _read_body(request: HttpRequest, limit: int) -> tuple[str, str, BinaryIO]:
    """(feed name, media type, the body as a stream) or a :class:`BodyError`."""
    received = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    default_name = f"api-{received}.jsonl"
    if request.content_type == "multipart/form-data":
        _declared_length(request, limit)
        return _read_file_part(request, limit, default_name)
    media_type = request.content_type or ""
    body_reader_for(media_type)  # 415 before reading a byte of an unreadable body
    length = _declared_length(request, limit)
    if length == 0:
        raise BodyError(400, _EMPTY)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned
    try:
        read = 0
        while chunk := request.read(READ_CHUNK):
            read += len(chunk)
            if read > limit:
                raise BodyError(413, _too_big(limit))
            spool.write(chunk)
        if read < length:
            raise BodyError(400, f"The body ended after {read} of {length} bytes: send it again")
    except (OSError, UnreadablePostError) as exc:
        spool.close()
        raise BodyError(400, f"The body could not be read ({exc}); send it again") from None
    except BodyError:
        spool.close()
        raise
    spool.seek(0)
    return default_name, media_type, cast(BinaryIO, spool)


def _read_file_part(request: HttpRequest, limit: int, default_name: str) -> tuple[str, str, Any]:
    try:
        upload = request.FILES.get("file")
    except RequestDataTooBig:
        raise BodyError(413, _too_big(limit)) from None
    except (MultiPartParserError, TooManyFieldsSent, OSError, UnreadablePostError) as exc:
        raise BodyError(400, f"The multipart body could not be read: {exc}") from None
    if upload is None:
        raise BodyError(
            400, "file: the multipart body has no file field named 'file'; send the feed in it"
        )
    if upload.size is not None and upload.size > limit:
        raise BodyError(413, _too_big(limit))
    if not upload.size:
        raise BodyError(400, "file: the file is empty; " + _EMPTY)
    media_type = media_type_of_file(upload.content_type)
    body_reader_for(media_type)
    upload.seek(0)
    return (upload.name or default_name)[:500], media_type, cast(IO[bytes], upload)

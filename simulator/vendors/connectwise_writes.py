"""ConnectWise Manage writes: create and patch service tickets, read and add ticket notes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.emulator import SimState, json_response
from simulator.vendors.connectwise import (
    BOARDS,
    NAME,
    STATUSES,
    bad_request,
    iso,
    new_note,
    not_found,
    query_records,
    read_json,
)
from simulator.world import PRIORITIES, SLA_TIERS, Ticket, World

NOTE_FLAGS = {
    "detailDescriptionFlag": "detail",
    "internalAnalysisFlag": "internal",
    "resolutionFlag": "resolution",
}


def create_ticket(world: World, body: dict) -> Ticket:
    summary = body.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise bad_request("summary: required, a string of 1 to 100 characters")
    if len(summary) > 100:
        raise bad_request(f"summary: at most 100 characters, got {len(summary)}")
    company_id = (body.get("company") or {}).get("id")
    tenant = next((t for t in world.tenants if t.cw_company_id == company_id), None)
    if tenant is None:
        raise bad_request(f"company: expected the id of an existing company, got {company_id!r}")
    board_id = (body.get("board") or {}).get("id", 1)
    if board_id not in BOARDS:
        raise bad_request(f"board: unknown board id {board_id!r}")
    priority = (body.get("priority") or {}).get("id", 3)
    if priority not in range(1, len(PRIORITIES) + 1):
        raise bad_request(f"priority: unknown priority id {priority!r}")
    _, _, _, _, respond_h, resolve_h = PRIORITIES[priority - 1]
    factor = SLA_TIERS[tenant.sla_tier]
    ticket = Ticket(
        id=world.next_ticket_id(),
        tenant=tenant,
        board=BOARDS[board_id],
        summary=summary,
        priority=priority,
        entered_at=world.clock,
        respond_target_min=round(respond_h * 60 * factor),
        resolve_target_min=round(resolve_h * 60 * factor),
        responded_at=None,
        resolved_at=None,
        closed_at=None,
        contact_id=(body.get("contact") or {}).get("id"),
        owner=None,
        source="API",
        initial_description=str(body.get("initialDescription") or ""),
        created_by_api=True,
    )
    world.tickets.append(ticket)
    if ticket.initial_description:
        new_note(world, ticket.id, ticket.initial_description, "detail", "api")
    world.touch()
    return ticket


def patch_ticket(world: World, ticket: Ticket, operations: list) -> None:
    if not isinstance(operations, list) or not operations:
        raise bad_request("body: expected a JSON array of {op, path, value} operations")
    for op in operations:
        if not isinstance(op, dict) or op.get("op") not in ("replace", "add"):
            raise bad_request(f"patch: expected op 'replace' or 'add', got {op!r}")
        path, value = str(op.get("path", "")).strip("/"), op.get("value")
        if path == "status":
            apply_status(world, ticket, value)
            continue
        if path == "summary" and isinstance(value, str) and 0 < len(value) <= 100:
            ticket.summary = value
        elif path == "priority" and isinstance(value, dict) and value.get("id") in range(1, 5):
            ticket.priority = value["id"]
        else:
            raise bad_request(f"patch: cannot set {path!r} to {value!r}")
        ticket.updates.append((world.clock, path, None))
    world.touch()


def apply_status(world: World, ticket: Ticket, value: object) -> None:
    board_base = 10 * (1 if ticket.board == "Help Desk" else 2)
    wanted = value.get("id") if isinstance(value, dict) else None
    names = {board_base + off: (off, name) for off, name, _, _ in STATUSES}
    if wanted not in names:
        by_name = value.get("name") if isinstance(value, dict) else None
        match = [sid for sid, (_, name) in names.items() if name == by_name]
        if not match:
            raise bad_request(f"status: expected a status of board {ticket.board!r}, got {value!r}")
        wanted = match[0]
    offset, _ = names[wanted]
    now = world.clock
    if offset >= 2 and (ticket.responded_at is None or ticket.responded_at > now):
        ticket.responded_at = now
    if offset >= 4 and (ticket.resolved_at is None or ticket.resolved_at > now):
        ticket.resolved_at = now
    if offset == 5 and (ticket.closed_at is None or ticket.closed_at > now):
        ticket.closed_at = now
    ticket.updates.append((now, "status", offset))


def find_ticket(world: World, ticket_id: int) -> Ticket:
    at = world.clock
    for t in world.tickets:
        if (
            t.id == ticket_id
            and t.entered_at <= at
            and not (t.deleted_at is not None and t.deleted_at <= at)
        ):
            return t
    raise not_found("Ticket", ticket_id)


def note_record(note) -> dict:
    return {
        "id": note.id,
        "ticketId": note.ticket_id,
        "text": note.text,
        "detailDescriptionFlag": note.kind == "detail",
        "internalAnalysisFlag": note.kind == "internal",
        "resolutionFlag": note.kind == "resolution",
        "issueFlag": False,
        "member": {"identifier": note.created_by, "name": note.created_by, "_info": {}},
        "contact": None,
        "customerUpdatedFlag": False,
        "processNotifications": False,
        "dateCreated": iso(note.created_at),
        "createdBy": note.created_by,
        "internalFlag": note.kind == "internal",
        "externalFlag": note.kind != "internal",
        "sentimentScore": None,
        "_info": {"lastUpdated": iso(note.created_at), "updatedBy": note.created_by},
    }


def routes(state: SimState, ep) -> list[Route]:
    world = state.world

    def rendered(ticket_id: int) -> Response:
        records, encoded = query_records(state, "/service/tickets", f"id={ticket_id}", "")
        return json_response(encoded[0])

    async def create(request: Request) -> Response:
        body = await read_json(request)
        with state.lock:
            ticket = create_ticket(world, body if isinstance(body, dict) else {})
        response = rendered(ticket.id)
        response.status_code = 201
        return response

    async def patch(request: Request) -> Response:
        body = await read_json(request)
        with state.lock:
            patch_ticket(world, find_ticket(world, request.path_params["id"]), body)
        return rendered(request.path_params["id"])

    async def notes(request: Request) -> Response:
        ticket = find_ticket(world, request.path_params["id"])
        found = [
            note_record(n)
            for n in world.notes
            if n.ticket_id == ticket.id and n.created_at <= world.clock
        ]
        return json_response(found, headers={"x-sim-records": str(len(found))})

    async def add_note(request: Request) -> Response:
        body = await read_json(request)
        ticket = find_ticket(world, request.path_params["id"])
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise bad_request("text: required, a non-empty string")
        kinds = [kind for flag, kind in NOTE_FLAGS.items() if body.get(flag)]
        if not kinds:  # CW wants one of the three flags; unsure whether it refuses or defaults
            raise bad_request(
                "one of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be true"
            )
        with state.lock:
            note = new_note(world, ticket.id, text, kinds[0], "api")
        return json_response(note_record(note), 201)

    return [
        ep("/service/tickets", create, ("POST",)),
        ep("/service/tickets/{id:int}", patch, ("PATCH",)),
        ep("/service/tickets/{id:int}/notes", notes),
        ep("/service/tickets/{id:int}/notes", add_note, ("POST",)),
    ]


__all__ = ["NAME", "routes"]

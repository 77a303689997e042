"""VSPC v3 asynchronous actions: the 202 answer's follow-up endpoints under /asyncActions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.emulator import SimState, json_response
from simulator.vendors import veeam_records as vr
from simulator.vendors.veeam import CODE_NOT_FOUND, RESULT_SECONDS, USERNAME, Session, refuse


def new_action(state: SimState, session: Session, request: Request, name: str, body: bytes) -> dict:
    with state.lock:
        action_id = vr.stable_uid(state.world.spec.seed, "action", len(session.actions) + 1)
        record = {
            "id": action_id,
            "initiatorUid": vr.stable_uid("user", USERNAME),
            "actionName": name,
            "status": "running",
            "queryParameters": dict(request.query_params),
            "requestBody": None,
        }
        session.actions[action_id] = {"record": record, "body": body, "polls": 0, "done_at": None}
    return record


def routes(state: SimState, session: Session, ep) -> list[Route]:
    def find(request: Request) -> dict:
        action_id = request.path_params["id"]
        action = session.actions.get(action_id)
        done_at = action["done_at"] if action else None
        if action is None or (done_at is not None and state.world.clock - done_at > RESULT_SECONDS):
            raise refuse(404, f"Async action {action_id} was not found.", CODE_NOT_FOUND)
        return action

    async def status(request: Request) -> Response:
        with state.lock:
            action = find(request)
            action["polls"] += 1
            if action["polls"] > 1 and action["done_at"] is None:
                action["done_at"] = state.world.clock
                action["record"]["status"] = "succeed"
        return json_response({"meta": None, "data": action["record"], "errors": None})

    async def result(request: Request) -> Response:
        action = find(request)
        if action["body"] is None:
            raise refuse(
                404,
                f"The result of async action {action['record']['id']} was deleted.",
                CODE_NOT_FOUND,
            )
        if action["done_at"] is None:
            # Unsure: the spec does not show the answer for a result asked too early.
            raise refuse(
                400,
                "The action has not finished yet; poll its status first.",
                CODE_NOT_FOUND,
                "retryableLogical",
            )
        return json_response(action["body"])

    async def drop_result(request: Request) -> Response:
        with state.lock:
            action = find(request)
            action["body"] = None
        return json_response({"data": {}, "meta": None, "errors": []})

    return [
        ep("/asyncActions/{id}", status),
        ep("/asyncActions/{id}/result", result),
        ep("/asyncActions/{id}/result", drop_result, ("DELETE",)),
    ]

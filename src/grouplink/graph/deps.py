"""Dependencies that make Graph routes read like prose."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Request

from grouplink.domain.errors import InvalidParameter
from grouplink.graph.body import Body, read_body
from grouplink.services import businesses
from grouplink.services.core import Actor, Core

_VERSION = re.compile(r"^v\d+\.\d+$")


def get_core(request: Request) -> Core:
    core: Core = request.app.state.core
    return core


CoreDep = Annotated[Core, Depends(get_core)]


async def graph_business(
    core: CoreDep,
    version: Annotated[str, Path(description="API version, e.g. v23.0")],
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str:
    """The caller's business id: token checked first, then the version segment."""
    business_id = await businesses.authenticate(core, authorization)
    if not _VERSION.match(version):
        raise InvalidParameter(f"Unknown API version '{version}'; use the form v23.0")
    return business_id


BusinessId = Annotated[str, Depends(graph_business)]


def graph_actor(business_id: BusinessId) -> Actor:
    return Actor.business(business_id, "graph")


ActorDep = Annotated[Actor, Depends(graph_actor)]
RequestBody = Annotated[Body, Depends(read_body)]


def body_doc(schema: dict[str, Any], *, multipart: bool = False) -> dict[str, Any]:
    """OpenAPI for a body accepted as JSON, form-encoded or multipart."""
    content = {
        "application/json": {"schema": schema},
        "application/x-www-form-urlencoded": {"schema": schema},
    }
    if multipart:
        content["multipart/form-data"] = {"schema": schema}
    return {"requestBody": {"required": True, "content": content}}

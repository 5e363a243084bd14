"""Dependencies that make Graph routes read like prose."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Path, Request

from grouplink.domain.errors import InvalidParameter
from grouplink.graph.body import Body, read_body
from grouplink.services import businesses
from grouplink.services.businesses import TokenOwner
from grouplink.services.core import Actor, Core
from grouplink.services.throttle import Hit, Throttle

_VERSION = re.compile(r"^v\d+\.\d+$")


async def get_core(request: Request) -> Core:
    core: Core = request.app.state.core
    return core


CoreDep = Annotated[Core, Depends(get_core)]


# The version the docs and examples name; every v{major}.{minor} is accepted.
CURRENT_VERSION = "v23.0"


async def graph_owner(
    core: CoreDep,
    version: Annotated[str, Path(description="API version, e.g. v23.0")],
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> TokenOwner:
    """The caller's business and token: token checked first, then the version segment."""
    owner = await businesses.bearer_owner(core, authorization)
    if not _VERSION.match(version):
        raise InvalidParameter(f"Unknown API version '{version}'; use the form v23.0")
    return owner


Owner = Annotated[TokenOwner, Depends(graph_owner)]


async def graph_business(owner: Owner) -> str:
    """The caller's business id (FastAPI runs ``graph_owner`` once per request)."""
    return owner.business_id


BusinessId = Annotated[str, Depends(graph_business)]


async def graph_actor(request: Request, owner: Owner) -> Actor:
    """The business acting; a write to one group first counts against that group's
    rate (``GROUPLINK_RATE_GROUP_WRITES``, off by default), as Meta's 131208 does."""
    rate: str = request.app.state.settings.rate_group_writes
    group_id = request.path_params.get("group_id")
    if rate and group_id and request.method != "GET":
        throttle: Throttle = request.app.state.throttle
        await throttle.check(Hit(rate, "group-writes", f"{owner.business_id}:{group_id}"))
    return Actor.business(owner.business_id, "graph", token_id=owner.token_id)


ActorDep = Annotated[Actor, Depends(graph_actor)]
RequestBody = Annotated[Body, Depends(read_body)]

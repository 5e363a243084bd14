"""The web door's prefixes are its own: anything under them that no page answers,
by its path or by its method, is a 404 page here. (No Graph route matches under
them: the Graph's first segment is never a page prefix, see :mod:`grouplink.paths`.)"""

from __future__ import annotations

from typing import NoReturn

from fastapi import APIRouter
from starlette.exceptions import HTTPException

router = APIRouter(include_in_schema=False)
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@router.api_route("/signin/{rest:path}", methods=METHODS, response_model=None)
@router.api_route("/signout/{rest:path}", methods=METHODS, response_model=None)
@router.api_route("/pictures/{rest:path}", methods=METHODS, response_model=None)
@router.api_route("/console/{rest:path}", methods=METHODS, response_model=None)
async def nothing_here(rest: str) -> NoReturn:
    raise HTTPException(404)

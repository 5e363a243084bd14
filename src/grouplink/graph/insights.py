"""WIRE.md Insights (grouplink's own): a group's links' figures per UTC day."""

from __future__ import annotations

from fastapi import APIRouter
from typing_extensions import TypedDict

from grouplink.graph.deps import ActorDep, BusinessId, CoreDep
from grouplink.graph.wire import answers
from grouplink.services import insights
from grouplink.services.insights import Figures, Insights

router = APIRouter(tags=["grouplink extensions"])


class FiguresOut(TypedDict):
    opens: int
    join_requests: int
    joined: int
    approved: int
    rejected: int
    left: int


class DayOut(FiguresOut):
    date: str
    invite_link_id: str


class InsightsOut(TypedDict):
    data: list[DayOut]
    totals: FiguresOut
    since: int
    until: int


def _figures(found: Figures) -> FiguresOut:
    return {
        "opens": found.opens,
        "join_requests": found.join_requests,
        "joined": found.joined,
        "approved": found.approved,
        "rejected": found.rejected,
        "left": found.left,
    }


def render(found: Insights) -> InsightsOut:
    return {
        "data": [
            # The figures first: the order the answer has always had.
            {**_figures(d.figures), "date": d.date, "invite_link_id": d.invite_link_id}
            for d in found.days
        ],
        "totals": _figures(found.totals),
        "since": found.since // 1000,
        "until": found.until // 1000,
    }


@router.get("/{version:graph_version}/{group_id}/insights", **answers(InsightsOut))
async def group_insights(
    core: CoreDep,
    business_id: BusinessId,
    actor: ActorDep,
    group_id: str,
    since: int | None = None,
    until: int | None = None,
) -> InsightsOut:
    """Opens, requests, approvals, rejections, joins and leavers per link and UTC day
    (the last 30 days unless `since`/`until`, unix seconds, say otherwise)."""
    found = await insights.insights(
        core, business_id, group_id, actor, since_s=since, until_s=until
    )
    return render(found)


@router.get(
    "/{version:graph_version}/{group_id}/invite_links/{link_id}/insights", **answers(InsightsOut)
)
async def link_insights(
    core: CoreDep,
    business_id: BusinessId,
    actor: ActorDep,
    group_id: str,
    link_id: str,
    since: int | None = None,
    until: int | None = None,
) -> InsightsOut:
    """The same for one link."""
    found = await insights.insights(
        core, business_id, group_id, actor, since_s=since, until_s=until, link_id=link_id
    )
    return render(found)

"""Changing a group: its subject, description and picture, and its settings (approval,
who manages the link, the links' pause and rotation, join questions)."""

from __future__ import annotations

from typing import Any

from grouplink.domain import events, ids
from grouplink.domain.errors import InvalidParameter
from grouplink.domain.groups import JoinApprovalMode, LinkManagers
from grouplink.domain.link_settings import KEEP, Keep, next_rotation
from grouplink.domain.permissions import Ability
from grouplink.domain.picture import Picture
from grouplink.domain.questions import store_questions
from grouplink.services.core import Actor, Core
from grouplink.services.groups import writable_group
from grouplink.store import group_settings as stored
from grouplink.store import pictures, queries


async def update_group(
    core: Core,
    business_id: str,
    group_id: str,
    actor: Actor,
    *,
    subject: str | None = None,
    description: str | None = None,
    picture: Picture | None = None,
    join_approval_mode: JoinApprovalMode | None = None,
    link_managers: LinkManagers | None = None,
    links_paused_until: int | Keep | None = KEEP,
    link_rotation_days: int | None = None,
    join_questions: list[str] | None = None,
) -> str:
    """Change what is given; ``links_paused_until=None`` resumes every link, and
    ``join_questions=[]`` asks none."""
    now, request_id = core.clock(), ids.request_id()
    values: dict[str, Any] = {}
    if join_questions is not None:
        values["join_questions"] = store_questions(join_questions)
    if links_paused_until is not KEEP:
        values["links_paused_until"] = links_paused_until
    if link_rotation_days is not None:
        values["link_rotation_days"] = link_rotation_days
        values["next_rotation_at"] = next_rotation(now, link_rotation_days)
    changes: dict[str, Any] = {}
    if subject is not None:
        values["subject"] = subject
        changes["group_subject"] = {"text": subject, "update_successful": True}
    if description is not None:
        values["description"] = description
        changes["group_description"] = {"text": description, "update_successful": True}
    if picture is not None:
        values.update(picture_sha256=picture.sha256, picture_mime=picture.mime_type)
        changes["profile_picture"] = {
            "mime_type": picture.mime_type,
            "sha256": picture.sha256,
            "update_successful": True,
        }
    if join_approval_mode is not None:
        values["join_approval_mode"] = join_approval_mode
    if link_managers is not None:
        values["link_managers"] = link_managers
    if not values:
        raise InvalidParameter(
            "Nothing to update: pass subject, description, join_approval_mode, link_managers, "
            "invite_links_paused_until, invite_link_rotation_days, join_questions or a picture "
            "file"
        )
    async with core.db.write() as conn:
        group = await writable_group(conn, business_id, group_id, actor, Ability.EDIT)
        await stored.set_columns(conn, group.pk, now, values)
        if picture is not None:
            await pictures.save_picture(conn, group.pk, picture)
        if changes:
            await queries.emit(
                conn, group, events.settings_update(group.id, now, request_id, changes), now
            )
        detail = {k: v for k, v in values.items() if k not in ("picture_sha256", "picture_mime")}
        await queries.audit(
            conn,
            business_id=business_id,
            actor=actor,
            action="group.update",
            now=now,
            group_pk=group.pk,
            picture=picture.sha256 if picture else None,
            **detail,
        )
    return request_id

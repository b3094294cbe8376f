"""Comments under the Department's own YouTube videos, through the Data API v3.

Needs an API key (``$RUMORDESK_YOUTUBE_API_KEY``, Google Cloud console → APIs & Services →
Credentials; the YouTube Data API enabled), sent in the ``X-Goog-Api-Key`` header, never
in a URL. Each run reads the channel's latest uploads (``playlistItems`` of its uploads
playlist, 1 quota unit) and, for videos of the last ``days``, their comment threads
(``commentThreads``, ``order=time``, 1 unit a page) with the replies each thread carries,
newest first, stopping at the newest comment already read. The default daily quota
(10,000 units) is far above what this uses.

A comment is stored as a post of its video's thread: ``in_reply_to`` is the video's id in
the form the Department's ``youtube`` feed source stores it (``yt:video:<id>``). The
Department's own comments are skipped; a video with comments turned off is skipped; a
quota or rate limit becomes :class:`RateLimited` (the quota resets at midnight Pacific).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from rumordesk.base.secrets import get_secret
from rumordesk.base.source_settings import YouTubeCommentsSource
from rumordesk.base.times import time_or_none
from rumordesk.collectors.errors import CollectorError, Misconfigured, RateLimited, TransientError
from rumordesk.collectors.http import Fetched, HttpClient, retry_at
from rumordesk.collectors.text import normalise_whitespace
from rumordesk.store.records import Batch, Metrics, Post, Provenance

API_KEY_ENV = "RUMORDESK_YOUTUBE_API_KEY"  # noqa: S105 - a variable name
#: The feed collector's id for a video (``collectors/feeds.py`` keeps the entry's id).
VIDEO_ID_PREFIX = "yt:video:"
_QUOTA_ZONE = ZoneInfo("America/Los_Angeles")


class YouTubeApiError(CollectorError):
    """An error answer of the Data API that is not handled otherwise."""


def thread_id(video_id: str) -> str:
    return f"{VIDEO_ID_PREFIX}{video_id}"


def api_error(fetched: Fetched) -> CollectorError:
    """The Data API's error body as the runner's error, with what to do about it."""
    try:
        error = json.loads(fetched.body or b"{}").get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    reasons = {str(e.get("reason")) for e in error.get("errors") or [] if isinstance(e, dict)}
    message = normalise_whitespace(str(error.get("message") or ""))[:300]
    what = f"YouTube Data API {fetched.status}" + (
        f" ({', '.join(sorted(reasons))})" if reasons else ""
    )
    if reasons & {"quotaExceeded", "dailyLimitExceeded"}:
        tomorrow = (datetime.now(_QUOTA_ZONE) + timedelta(days=1)).replace(
            hour=0, minute=5, second=0, microsecond=0
        )
        return RateLimited("the YouTube Data API (daily quota)", tomorrow.astimezone(UTC))
    if fetched.status == 429 or reasons & {"rateLimitExceeded", "userRateLimitExceeded"}:
        return RateLimited("the YouTube Data API", retry_at(fetched.headers))
    if reasons & {"keyInvalid", "keyExpired", "accessNotConfigured", "forbidden"} or (
        fetched.status in (400, 401, 403) and "API key" in message
    ):
        return Misconfigured(
            f"{what}: {message} — check ${API_KEY_ENV} and that the YouTube Data API v3 is "
            "enabled for its project"
        )
    if fetched.status >= 500:
        return TransientError(f"{what} (temporary)")
    return YouTubeApiError(f"{what}: {message}")


class YouTubeCommentsCollector:
    kind = "youtube_comments"

    def __init__(self, source: YouTubeCommentsSource, http: HttpClient, *, zone: tzinfo) -> None:
        self.source = source
        self.http = http
        self.zone = zone

    def key(self) -> str:
        key = get_secret(API_KEY_ENV)
        if not key:
            raise Misconfigured(
                f"${API_KEY_ENV} is not set: create an API key for the YouTube Data API v3 "
                "(Google Cloud console → APIs & Services → Credentials) and put it in the "
                "environment or .streamlit/secrets.toml"
            )
        return key

    def collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        headers = {"X-Goog-Api-Key": self.key(), "Accept": "application/json"}
        since = datetime.now(UTC) - timedelta(days=self.source.days)
        videos = self._uploads(headers, since)
        known: dict[str, Any] = dict(cursor.get("videos") or {})
        states = {video: dict(known.get(video) or {}) for video in videos}
        yield Batch((), {"videos": states})
        for video in videos[: self.source.max_threads_per_run]:
            posts, newest = self._comments(headers, video, states[video].get("newest"))
            if newest:
                states[video]["newest"] = newest
            yield Batch(posts, {"videos": {k: dict(v) for k, v in states.items()}})

    def _get(self, path: str, params: Mapping[str, Any], headers: Mapping[str, str]) -> Any:
        url = f"{self.source.api_url.rstrip('/')}/{path}?{urlencode(params)}"
        fetched = self.http.get(url, headers=dict(headers), raise_for_status=False)
        if fetched.status != 200:
            raise api_error(fetched)
        try:
            return json.loads(fetched.body)
        except ValueError:
            raise YouTubeApiError(f"{path}: the answer is not JSON") from None

    def _uploads(self, headers: Mapping[str, str], since: datetime) -> list[str]:
        """The channel's videos published since ``since``, newest first."""
        uploads = "UU" + self.source.department_channel_id[2:]
        body = self._get(
            "playlistItems",
            {
                "part": "contentDetails",
                "playlistId": uploads,
                "maxResults": self.source.max_videos,
            },
            headers,
        )
        found = []
        for item in body.get("items") or []:
            details = item.get("contentDetails") or {}
            video = details.get("videoId")
            published = time_or_none(details.get("videoPublishedAt"), self.zone)
            if video and (published is None or published >= since):
                found.append(str(video))
        return found

    def _comments(
        self, headers: Mapping[str, str], video: str, newest_seen: str | None
    ) -> tuple[tuple[Post, ...], str | None]:
        """The video's comments newer than ``newest_seen``, and the newest time read."""
        params: dict[str, Any] = {
            "part": "snippet,replies",
            "videoId": video,
            "order": "time",
            "textFormat": "plainText",
            "maxResults": self.source.page_size,
        }
        seen = time_or_none(newest_seen, self.zone) if newest_seen else None
        posts: list[Post] = []
        newest = seen
        pages = 0
        while len(posts) < self.source.max_replies_per_thread and pages < 20:
            try:
                body = self._get("commentThreads", params, headers)
            except YouTubeApiError as exc:
                if "commentsDisabled" in str(exc) or "videoNotFound" in str(exc):
                    return (), newest_seen  # comments turned off, or the video is gone
                raise
            pages += 1
            provenance = Provenance.now(
                f"{self.source.api_url.rstrip('/')}/commentThreads?videoId={video}",
                self.source.kind,
            )
            older = False
            for item in body.get("items") or []:
                snippet = item.get("snippet") or {}
                top = snippet.get("topLevelComment") or {}
                comments = [top, *((item.get("replies") or {}).get("comments") or [])]
                top_time = time_or_none((top.get("snippet") or {}).get("publishedAt"), self.zone)
                if (
                    seen
                    and top_time
                    and top_time <= seen
                    and not _newer_reply(comments, seen, self.zone)
                ):
                    older = True
                    continue
                for comment in comments:
                    post = self._post(comment, video, provenance)
                    if post is None:
                        continue
                    posts.append(post)
                    if post.created_at and (newest is None or post.created_at > newest):
                        newest = post.created_at
            token = body.get("nextPageToken")
            if older or not token:
                break
            params["pageToken"] = token
        return tuple(posts[: self.source.max_replies_per_thread]), (
            newest.isoformat() if newest else None
        )

    def _post(self, comment: Mapping[str, Any], video: str, provenance: Provenance) -> Post | None:
        snippet = comment.get("snippet") or {}
        author_channel = (snippet.get("authorChannelId") or {}).get("value")
        if not comment.get("id") or author_channel == self.source.department_channel_id:
            return None  # the Department's own comment: its words are in its videos
        text = normalise_whitespace(
            str(snippet.get("textOriginal") or snippet.get("textDisplay") or "")
        )
        if not text:
            return None
        name = normalise_whitespace(str(snippet.get("authorDisplayName") or ""))[:200]
        return Post(
            source=self.source.name,
            source_id=str(comment["id"]),
            channel=self.source.channel,
            text=text,
            provenance=provenance,
            url=f"https://www.youtube.com/watch?v={video}&lc={comment['id']}",
            author=name or None,
            created_at=time_or_none(snippet.get("publishedAt"), self.zone),
            metrics=Metrics(likes=_count(snippet.get("likeCount"))),
            raw=dict(comment),
            in_reply_to=thread_id(video),
        )

    def __str__(self) -> str:
        return self.source.name


def _newer_reply(comments: list[Mapping[str, Any]], seen: datetime, zone: tzinfo) -> bool:
    times = [time_or_none((c.get("snippet") or {}).get("publishedAt"), zone) for c in comments]
    return any(t and t > seen for t in times)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None

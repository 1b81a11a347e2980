"""The alerts part of the service: which feeds post their new articles into a Discord channel (and on what topic),
what is waiting to be posted, and the claim that makes one post per article whatever the number of processes.

Posting is the Discord glue's (:mod:`bot.discord_app.alerts`); deciding what to post is the feed dispatcher's
(:mod:`bot.feeds.alerts`). Whether an article is on the topic is the answerer's relevance test
(:func:`bot.search.topic_match.article_holds`)."""

from __future__ import annotations

from bot.core.alerts import AlertPostStatus, ExpiredClaim, FeedAlert, PendingAlert
from bot.core.errors import ArticleNotFound, FeedNotFound
from bot.core.models import Article, FeedRecord
from bot.search.query import question_terms
from bot.search.topic_match import article_holds
from bot.service.part import ServicePart

__all__ = ["AlertsPart"]


class AlertsPart(ServicePart):
    """New-coverage alerts of a coverage's feeds."""

    def check_alert_topic(self, topic: str | None) -> str | None:
        """The topic as it is kept (None: every article); InvalidQuestion when it has no word to search for."""
        if topic is None or not topic.strip():
            return None
        question_terms(topic)
        return " ".join(topic.split())

    def set_alert(
        self, feed: FeedRecord, channel_id: int, topic: str | None, *, actor: str, server: int | None = None
    ) -> FeedAlert:
        """Post ``feed``'s new articles into ``channel_id`` from now on, or only those on ``topic``; only for a
        feed of the coverage ``server`` changes. Logged in the audit trail with ``actor``."""
        kept = self.check_alert_topic(topic)
        ours = feed.server_id == self.writes(server)
        if not ours or not self._store.set_alert(feed.id, channel_id, kept, actor, guild_id=server):
            raise FeedNotFound(f"feed {feed.id} was removed meanwhile")
        return next(a for a in self._store.alerts(feed.server_id) if a.feed_id == feed.id)

    def remove_alert(self, feed: FeedRecord, *, actor: str, server: int | None = None) -> bool:
        """``feed`` posts nothing from now on; False when it had no alert. Only for a feed of the coverage
        ``server`` changes. Logged in the audit trail with ``actor`` (when there was an alert to turn off)."""
        if feed.server_id != self.writes(server):
            raise FeedNotFound(f"feed {feed.id} was removed meanwhile")
        return self._store.remove_alert(feed.id, actor, guild_id=server)

    def alert_of(self, feed: FeedRecord) -> FeedAlert | None:
        """The alert of ``feed``, if it has one."""
        return next((a for a in self._store.alerts(feed.server_id) if a.feed_id == feed.id), None)

    def alerts(self, *, server: int | None = None) -> list[FeedAlert]:
        """The alerts of the feeds of the coverage ``server`` reads."""
        return self._store.alerts(self.reads(server))

    def pending_alerts(self, limit: int = 100) -> list[PendingAlert]:
        """Articles feeds with an alert added since it was set, that no process has claimed yet, oldest first."""
        return self._store.pending_alerts(limit)

    def alert_article(self, pending: PendingAlert) -> Article | None:
        """The article an alert is about, from its feed's coverage; None when it was removed since."""
        try:
            return self._store.get(pending.alert.server_id, pending.article_id)
        except ArticleNotFound:
            return None

    def alert_matches(self, pending: PendingAlert) -> bool:
        """Whether the article is on the alert's topic (always, without one)."""
        topic = pending.alert.topic
        if topic is None:
            return True
        index = self._indexes.index(pending.alert.server_id)[0]
        return article_holds(index, topic, pending.article_id)

    def claim_alert(
        self, pending: PendingAlert, holder: str, status: AlertPostStatus = "claimed", *, ttl: float = 60.0
    ) -> bool:
        """Claim one post for ``holder`` (a process) for ``ttl`` seconds; False when another process has it."""
        return self._store.claim_alert(pending, holder, status, ttl=ttl)

    def expired_alert_claims(self, limit: int = 100) -> list[ExpiredClaim]:
        """Claimed posts whose holder stopped renewing its claim before it recorded the post (it died)."""
        return self._store.expired_alert_claims(limit)

    def retake_alert(self, pending: PendingAlert, holder: str, *, ttl: float) -> bool:
        """Take over an expired claim; False when its holder renewed it or another process took it first."""
        return self._store.retake_alert(pending, holder, ttl=ttl)

    def renew_alert_claims(self, holder: str, *, ttl: float) -> int:
        """Keep every claim ``holder`` has for ``ttl`` more seconds, while it waits in its queue or is posted."""
        return self._store.renew_alert_claims(holder, ttl=ttl)

    def release_alert(self, pending: PendingAlert, holder: str) -> bool:
        """Give up a claim at once, to be taken over and tried again."""
        return self._store.release_alert(pending, holder)

    def begin_alert_attempt(self, pending: PendingAlert, holder: str, *, ttl: float) -> tuple[bool, float | None]:
        """Count a post request about to be sent: (False, None) when the claim is no longer ``holder``'s; else
        (True, when an earlier attempt was first sent, None if none was)."""
        return self._store.begin_alert_attempt(pending, holder, ttl=ttl)

    def finish_alert(
        self, pending: PendingAlert, status: AlertPostStatus, message_id: int | None = None, detail: str = ""
    ) -> None:
        self._store.finish_alert(pending, status, message_id, detail)

    def alert_posts(self, feed_id: int) -> list[tuple[str, int, str, int | None, str]]:
        """What became of each article of a feed's alert: (article id, channel, status, message id, detail)."""
        return self._store.alert_posts(feed_id)

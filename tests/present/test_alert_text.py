"""What an alert post and the alerts' listing say, exactly; a feed's data never pings, formats or links in them."""

from __future__ import annotations

from bot.core.alerts import FeedAlert
from bot.core.models import Article
from bot.present.alerts import AlertPost, render_alert_lines, render_alert_post
from bot.present.style import DISCORD, PLAIN

HOSTILE = Article(
    id="a1",
    title="@everyone **Breaking** [click](https://evil.example) <@123>",
    source="<@&456> Wire_",
    body="Text.",
    date="2024-03-05",
    url="https://news.example/a_(b)",
    added_at="2024-03-05T00:00:00Z",
    added_by="feed:1",
)
ALERT = FeedAlert(1, 0, 77, "*harbour* @here", "2024-03-01T00:00:00Z", "t")


def test_an_alert_post_escapes_everything_the_feed_chose() -> None:
    assert render_alert_post(HOSTILE, ALERT, "Feed `x`", DISCORD) == AlertPost(
        title=r"\@everyone \*\*Breaking\*\* \[click\]\(https\://evil.example\) \<\@123\>",
        url="https://news.example/a_(b)",  # an embed's link field, not markdown
        text=r"**\<\@&456\> Wire\_** · 5 Mar 2024" + "\n" + r"New in the feed Feed \`x\` · on “\*harbour\* \@here”",
    )


def test_the_alerts_listing_names_channel_and_topic() -> None:
    alerts = [ALERT, FeedAlert(2, 0, 78, None, "2024-03-01T00:00:00Z", "t")]
    assert render_alert_lines(alerts, PLAIN, lambda c: f"the Discord channel {c}") == [
        "feed 1 posts its new articles in the Discord channel 77, only those on “*harbour* @here”",
        "feed 2 posts its new articles in the Discord channel 78",
    ]
